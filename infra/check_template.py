"""Checks on infra/template.yaml that lint tools cannot make: what a first production deploy
would trip over. Reads the template through cfn-lint's own decoder (the short-form tags
become `Ref` / `Fn::Sub` / … dictionaries) and prints one line per check, then
`N passed, N failed`.

    target/tools/venv/bin/python3 infra/check_template.py      (scripts/test.sh runs it)

What is checked, and why:
- every SQS event source caps its concurrency (MaximumConcurrency) and the API reserves its
  own, so a burst of builds cannot starve the API;
- every stage queue's visibility timeout is at least six times its function's timeout (AWS's
  advice; otherwise a slow invocation's message is delivered again while it still runs);
- no function may scan the table (reads go by key or index);
- the dead-letter redrive count equals the retry policy (MAX_ATTEMPTS in
  shared/domain/src/retry.rs), one policy for both hosts;
- the alarm topic is encrypted with a key CloudWatch may use (the AWS-managed SNS key cannot be
  granted to it, so alarms would never arrive), and there are alarms — all notifying that topic
  — for every function's errors and throttles, API 5xx, every stage queue's oldest message and
  every dead-letter queue;
- every generated name fits its service's limit for the longest stack name the README allows;
- the run API reaches the API function through CloudFront (`/run-api/*`: never cached, every
  method, Authorization forwarded; an API Gateway route to the function) and the functions'
  DEVPORTAL_RUN_API_URL is the distribution's (or the custom domain's) `/run-api/v1`;
- no demo directory unless `SeedDemoDirectory` asks (default false);
- builds take Docker Hub base images from `BaseImageMirror` when it is set: the buildspec's
  FROM rewrite is run with the real `awk` on sample Dockerfiles (stages, flags, registries).
"""

import re
import subprocess
import sys
import tempfile
from pathlib import Path

from cfnlint.decode import decode

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "infra" / "template.yaml"
# The README's rule for stack names (section "Deploy to AWS"): lowercase, at most this long.
MAX_STACK_NAME = 45
# Name limits of the services, for the properties that set a name.
NAME_LIMITS = {
    ("AWS::SQS::Queue", "QueueName"): 80,
    ("AWS::Serverless::Function", "FunctionName"): 64,
    ("AWS::Logs::LogGroup", "LogGroupName"): 512,
    ("AWS::CloudFront::OriginAccessControl", "OriginAccessControlConfig.Name"): 64,
    ("AWS::CloudFront::CachePolicy", "CachePolicyConfig.Name"): 128,
    ("AWS::CloudFront::ResponseHeadersPolicy", "ResponseHeadersPolicyConfig.Name"): 128,
    ("AWS::CodeBuild::Project", "Name"): 255,
    ("AWS::ECS::Cluster", "ClusterName"): 255,
}

results = []


def check(name, ok, detail=""):
    results.append(ok)
    print(f"{'ok  ' if ok else 'FAIL'} {name}{'' if ok else ': ' + detail}")


def ref_name(value):
    """The logical id a Ref / GetAtt points at, if any."""
    if isinstance(value, dict):
        if "Ref" in value:
            return value["Ref"]
        if "Fn::GetAtt" in value:
            att = value["Fn::GetAtt"]
            return att[0] if isinstance(att, list) else str(att).split(".")[0]
    return None


def substitute(value, params):
    """A name with ${AWS::StackName} and parameters replaced by their longest allowed values."""
    if isinstance(value, dict) and "Fn::Sub" in value:
        text = value["Fn::Sub"] if isinstance(value["Fn::Sub"], str) else value["Fn::Sub"][0]
        text = text.replace("${AWS::StackName}", "s" * MAX_STACK_NAME)
        for key, length in params.items():
            text = text.replace("${" + key + "}", "p" * length)
        return text
    return value if isinstance(value, str) else None


def main():
    template, matches = decode(str(TEMPLATE))
    if template is None:
        print(f"cannot read {TEMPLATE}: {matches}")
        return 1
    res = template["Resources"]
    params = template.get("Parameters", {})
    glob = template.get("Globals", {}).get("Function", {})
    functions = {k: v for k, v in res.items() if v["Type"] == "AWS::Serverless::Function"}
    alarms = [v["Properties"] for v in res.values() if v["Type"] == "AWS::CloudWatch::Alarm"]

    # Concurrency.
    api = functions["ApiFunction"]["Properties"]
    check("the api function reserves its concurrency", "ReservedConcurrentExecutions" in api)
    stage_queues = {}
    for name, fn in functions.items():
        for event in fn["Properties"].get("Events", {}).values():
            if event["Type"] != "SQS":
                continue
            queue = ref_name(event["Properties"]["Queue"])
            stage_queues[queue] = name
            scaling = event["Properties"].get("ScalingConfig", {})
            check(f"{name}: its SQS event source caps concurrency", "MaximumConcurrency" in scaling)
            timeout = fn["Properties"].get("Timeout", glob.get("Timeout", 3))
            visibility = res[queue]["Properties"].get("VisibilityTimeout", 30)
            check(
                f"{queue}: visibility timeout >= 6x {name}'s timeout",
                isinstance(visibility, int) and visibility >= 6 * timeout,
                f"{visibility} s < 6 x {timeout} s",
            )
    check("five stage queues and three run queues feed functions", len(stage_queues) == 8, str(sorted(stage_queues)))

    # No table scans: every read is by key or index (tests/tests/no_scans.rs holds the code to it).
    for name, fn in functions.items():
        granted = [a for st in fn["Properties"].get("Policies", []) if isinstance(st, dict) for s in st.get("Statement", []) for a in (s.get("Action") if isinstance(s.get("Action"), list) else [s.get("Action")])]
        check(f"{name}: may not scan the table", "dynamodb:Scan" not in granted, granted)

    # One retry policy.
    policy = (ROOT / "shared" / "domain" / "src" / "retry.rs").read_text()
    attempts = int(re.search(r"pub const MAX_ATTEMPTS: u32 = (\d+);", policy).group(1))
    for queue in stage_queues:
        redrive = res[queue]["Properties"].get("RedrivePolicy", {})
        check(f"{queue}: dead-lettered after MAX_ATTEMPTS ({attempts}) deliveries", redrive.get("maxReceiveCount") == attempts)

    # Alarms that reach someone.
    topic = res["AlarmTopic"]["Properties"]
    key = ref_name(topic.get("KmsMasterKeyId"))
    granted = False
    if key and res.get(key, {}).get("Type") == "AWS::KMS::Key":
        for st in res[key]["Properties"]["KeyPolicy"]["Statement"]:
            principal = st.get("Principal", {})
            actions = st.get("Action", [])
            actions = actions if isinstance(actions, list) else [actions]
            if principal.get("Service") == "cloudwatch.amazonaws.com" and "kms:Decrypt" in actions and any(a.startswith("kms:GenerateDataKey") for a in actions):
                granted = st.get("Effect") == "Allow"
    check("the alarm topic's key lets CloudWatch publish", granted, f"KmsMasterKeyId {topic.get('KmsMasterKeyId')!r}")
    check("AlarmEmail subscribes to the topic", "AlarmEmail" in params and any(
        v["Type"] == "AWS::SNS::Subscription" and ref_name(v["Properties"].get("TopicArn")) == "AlarmTopic" for v in res.values()))
    check("every alarm notifies the topic", alarms and all(ref_name(a.get("AlarmActions", [None])[0]) == "AlarmTopic" for a in alarms))

    def has_alarm(metric, dimension_target):
        for a in alarms:
            if a.get("MetricName") != metric:
                continue
            for d in a.get("Dimensions", []):
                if ref_name(d.get("Value")) == dimension_target:
                    return True
        return False

    for name in functions:
        check(f"{name}: errors alarm", has_alarm("Errors", name))
        check(f"{name}: throttles alarm", has_alarm("Throttles", name))
    check("API 5xx alarm", has_alarm("5xx", "HttpApi"))
    for queue in stage_queues:
        check(f"{queue}: oldest-message age alarm", has_alarm("ApproximateAgeOfOldestMessage", queue))
        dlq = ref_name(res[queue]["Properties"]["RedrivePolicy"]["deadLetterTargetArn"])
        check(f"{dlq}: dead-letter alarm", has_alarm("ApproximateNumberOfMessagesVisible", dlq))

    # Names fit for the longest stack name allowed.
    readme = (ROOT / "README.md").read_text()
    check(f"the README allows stack names of at most {MAX_STACK_NAME} characters", f"at most {MAX_STACK_NAME} characters" in readme)
    lengths = {k: len(str(v.get("Default", ""))) if "MaxLength" not in v else v["MaxLength"] for k, v in params.items()}
    lengths = {k: max(v, 1) for k, v in lengths.items()}
    for logical, r in res.items():
        for (rtype, path), limit in NAME_LIMITS.items():
            if r["Type"] != rtype:
                continue
            value = r["Properties"]
            for part in path.split("."):
                value = value.get(part) if isinstance(value, dict) else None
            name = substitute(value, lengths) if value is not None else None
            if name is None:
                continue
            check(f"{logical}: {path} fits {limit} characters", len(name) <= limit, f"{len(name)} characters for a {MAX_STACK_NAME}-character stack")
    ecr = params.get("EcrRepositoryPrefix", {})
    check("EcrRepositoryPrefix is bounded and lowercase", "MaxLength" in ecr and "a-z" in ecr.get("AllowedPattern", "") and "A-Z" not in ecr.get("AllowedPattern", ""))

    # The run API through CloudFront (issue 12, item 9).
    dist = res["Distribution"]["Properties"]["DistributionConfig"]
    run_api = [b for b in dist.get("CacheBehaviors", []) if b.get("PathPattern") == "/run-api/*"]
    check("CloudFront has a /run-api/* behaviour", len(run_api) == 1)
    if run_api:
        b = run_api[0]
        origin = next((o for o in dist["Origins"] if o["Id"] == b["TargetOriginId"]), {})
        check("/run-api/* goes to the HTTP API origin", "HttpApi" in str(origin.get("DomainName")), str(origin.get("DomainName")))
        check("/run-api/* allows every method", set(b.get("AllowedMethods", [])) == {"GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"}, b.get("AllowedMethods"))
        policy = res.get(ref_name(b.get("CachePolicyId")) or "", {}).get("Properties", {}).get("CachePolicyConfig", {})
        headers = policy.get("ParametersInCacheKeyAndForwardedToOrigin", {}).get("HeadersConfig", {}).get("Headers", [])
        check("/run-api/* is never cached", policy.get("DefaultTTL") == 0 and policy.get("MinTTL") == 0, policy)
        check("/run-api/* forwards Authorization", "Authorization" in headers, headers)
    routes = {
        r["Properties"]["RouteKey"]: r["Properties"]["Target"]
        for r in res.values()
        if r["Type"] == "AWS::ApiGatewayV2::Route" and ref_name({"Ref": r["Properties"]["ApiId"].get("Ref")}) == "HttpApi"
    }
    for key in ("ANY /api/{proxy+}", "ANY /run-api/{proxy+}"):
        target = routes.get(key, {}).get("Fn::Sub", "") if isinstance(routes.get(key), dict) else ""
        integration = res.get(target.removeprefix("integrations/${").removesuffix("}"), {}).get("Properties", {})
        check(f"route {key} reaches the API function", ref_name(integration.get("IntegrationUri")) == "ApiFunction", str(routes.get(key)))
    env = dict(glob.get("Environment", {}).get("Variables", {}))
    env.update(api.get("Environment", {}).get("Variables", {}))
    url = env.get("DEVPORTAL_RUN_API_URL")
    branches = url["Fn::If"][1:] if isinstance(url, dict) and "Fn::If" in url else [url]
    subs = [b.get("Fn::Sub") if isinstance(b, dict) else b for b in branches]
    check(
        "the API function's DEVPORTAL_RUN_API_URL is CloudFront's /run-api/v1",
        "https://${Distribution.DomainName}/run-api/v1" in subs and all(isinstance(s, str) and s.endswith("/run-api/v1") for s in subs),
        str(url),
    )

    # Production data (issue 12, item 10): no demo directory unless asked for.
    seed = params.get("SeedDemoDirectory", {})
    check("SeedDemoDirectory defaults to false", seed.get("Default") == "false" and set(seed.get("AllowedValues", [])) == {"true", "false"}, seed)
    check("the functions read SeedDemoDirectory", ref_name(env.get("DEVPORTAL_SEED_DEMO_DIRECTORY")) == "SeedDemoDirectory", env.get("DEVPORTAL_SEED_DEMO_DIRECTORY"))

    # Base images from a mirror (issue 12, item 7).
    project = res["BuildProject"]["Properties"]
    variables = {v["Name"]: v.get("Value") for v in project["Environment"].get("EnvironmentVariables", [])}
    check("BaseImageMirror is passed to the build", ref_name(variables.get("BASE_IMAGE_MIRROR")) == "BaseImageMirror" and params.get("BaseImageMirror", {}).get("Default") == "", variables)
    spec = project["Source"]["BuildSpec"]
    program = re.search(r"awk -v m=\"\$BASE_IMAGE_MIRROR\" '([^']*)' src/Dockerfile", spec)
    check("the buildspec rewrites FROM lines to the mirror", program is not None)
    if program:
        mirror = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/docker-hub"
        dockerfile = "\n".join([
            "FROM --platform=$BUILDPLATFORM python:3.12-slim AS build",
            "RUN pip install x",
            "FROM build AS test",
            "FROM docker.io/bitnami/redis:7",
            "from alpine",
            "FROM ghcr.io/acme/base:1",
            "FROM localhost:5000/tool",
            "FROM grafana/k6:latest",
            "FROM scratch",
            "FROM ${BASE}",
            "COPY --from=build /app /app",
        ]) + "\n"
        expected = [
            f"FROM --platform=$BUILDPLATFORM {mirror}/library/python:3.12-slim AS build",
            "RUN pip install x",
            "FROM build AS test",
            f"FROM {mirror}/bitnami/redis:7",
            f"from {mirror}/library/alpine",
            "FROM ghcr.io/acme/base:1",
            "FROM localhost:5000/tool",
            f"FROM {mirror}/grafana/k6:latest",
            "FROM scratch",
            "FROM ${BASE}",
            "COPY --from=build /app /app",
        ]
        with tempfile.NamedTemporaryFile("w", suffix=".Dockerfile") as f:
            f.write(dockerfile)
            f.flush()
            out = subprocess.run(["awk", "-v", f"m={mirror}", program.group(1), f.name], capture_output=True, text=True, check=False)
        got = out.stdout.splitlines()
        check("the FROM rewrite keeps stages, flags and other registries", got == expected, f"{out.stderr} {got}")

    # The build reads Git credentials only (issue 12, item 7): the CodeBuild role's and the build
    # stage's secret reads are limited to the git-token/ and deploy-key/ names.
    def secret_reads(statements):
        for s in statements:
            actions = s.get("Action") if isinstance(s.get("Action"), list) else [s.get("Action")]
            if any(str(a).startswith("secretsmanager:GetSecretValue") for a in actions):
                resources = s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]]
                yield [r.get("Fn::Sub", r) if isinstance(r, dict) else r for r in resources]

    role = [st for p in res["BuildProjectRole"]["Properties"]["Policies"] for st in p["PolicyDocument"]["Statement"] if isinstance(st, dict) and "Sid" in st]
    build_fn = [st for p in functions["StageBuildFunction"]["Properties"]["Policies"] if isinstance(p, dict) for st in p.get("Statement", [])]
    for who, statements in (("the CodeBuild role", role), ("the build stage", build_fn)):
        reads = [r for rs in secret_reads(statements) for r in rs]
        check(
            f"{who} reads only Git credential secrets",
            bool(reads) and all(isinstance(r, str) and (r.endswith("/git-token/*") or r.endswith("/deploy-key/*")) for r in reads),
            reads,
        )
    secrets_rs = (ROOT / "shared" / "domain" / "src" / "secret.rs").read_text()
    check("the secret kinds are named git-token and deploy-key", 'Self::GitToken => "git-token"' in secrets_rs and 'Self::DeployKey => "deploy-key"' in secrets_rs)

    failed = results.count(False)
    print(f"{len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
