#!/usr/bin/env python3
"""moto_server with a CodeBuild that behaves like CodeBuild, for the Dev Portal's AWS tests.

    python3 tests/moto/launcher.py -H 127.0.0.1 -p PORT      (same arguments as moto_server)

moto 5.2.5's CodeBuild answers SUCCEEDED on the first BatchGetBuilds, can never fail, flips a
stopped build back to SUCCEEDED, forgets StartBuild's environment overrides and idempotency
token, and writes no build log (docs: /work/shared/TOOLING.md). This launcher patches it before
starting the server, in the same process, so the fake build can write into moto's own CloudWatch
Logs and ECR backends:

- StartBuild keeps `environmentVariablesOverride` (merged over the project's variables, as
  CodeBuild shows them in BatchGetBuilds `environment.environmentVariables`), takes the
  project's `timeoutInMinutes` and `queuedTimeoutInMinutes` (moto: always 45/480), honours
  `idempotencyToken` (the same token answers the same build), and fills the build's `logs`
  with `groupName` (the project's `logsConfig.cloudWatchLogs.groupName`, else
  `/aws/codebuild/<project>`) and `streamName` (the build id after the colon), which it creates.
- BatchGetBuilds advances each build it is asked about by ONE phase per call:
  SUBMITTED -> QUEUED -> PROVISIONING -> DOWNLOAD_SOURCE -> INSTALL -> PRE_BUILD -> BUILD ->
  POST_BUILD -> UPLOAD_ARTIFACTS -> FINALIZING -> COMPLETED. A failed phase skips to
  FINALIZING, as CodeBuild does with `on-failure: ABORT`. Finished builds no longer change.
- StopBuild stops an unfinished build for good (buildStatus STOPPED, the current phase
  STOPPED); a finished build is left as it was.
- The fake "buildspec": as a phase ends it writes that phase's output, including the marker
  lines of the real buildspec (infra/template.yaml, BuildProject), into the build's log
  stream, each event ending in a newline like CodeBuild's, and with CodeBuild's
  `[Container] ... Running command ...` echo lines (which also contain the marker text and must
  not be mistaken for markers):
      devportal: commit <40 hex>
      devportal: digest sha256:<64 hex>
      devportal: failure <kind> [exit code]
  On success, POST_BUILD PutImage's a small manifest into the ECR repository named by
  IMAGE_URI (`<registry host>/<repository>:<tag>`), so DescribeImages finds the tag, and the
  digest marker names that image's digest.

The outcome is chosen by the GIT_BRANCH override:

    fail-clone           PRE_BUILD fails: `devportal: failure clone_failed 128`
    fail-dockerfile      PRE_BUILD fails after the commit: `devportal: failure dockerfile_missing`
    fail-build           BUILD fails: `devportal: failure image_build_failed 2`
    fail-health-check    BUILD fails: `devportal: failure health_check_failed 3`
    fail-health-timeout  BUILD fails: `devportal: failure health_check_timed_out 124`
    fail-push            POST_BUILD fails: `devportal: failure push_failed 1`
    fail-silent          BUILD fails without a failure marker (the phase decides the kind)
    fault                the build ends with buildStatus FAULT (CodeBuild's own failure)
    timeout              the build ends with buildStatus TIMED_OUT in BUILD
    stopped-elsewhere    somebody else stops the build during BUILD (buildStatus STOPPED)
    slow                 BUILD never ends (one output line per poll) until StopBuild
    anything else        succeeds

Pinned to moto 5.2.5: the patched methods replace moto internals, so another version exits
at once with a message rather than faking CodeBuild wrongly.
"""

import hashlib
import json
import sys

PINNED = "5.2.5"

try:
    import moto
except ImportError:
    sys.exit(f"moto is not installed: pip install 'moto[server]=={PINNED}'")
if moto.__version__ != PINNED:
    sys.exit(
        f"tests/moto/launcher.py patches moto {PINNED} internals but moto {moto.__version__} is "
        f"installed: pip install 'moto[server]=={PINNED}'"
    )

from moto.codebuild import models as cb_models  # noqa: E402
from moto.codebuild import responses as cb_responses  # noqa: E402
from moto.codebuild.exceptions import ResourceNotFoundException  # noqa: E402
from moto.core.responses import ActionResult  # noqa: E402
from moto.core.utils import iso_8601_datetime_with_milliseconds, unix_time_millis  # noqa: E402
from moto.ecr.models import ecr_backends  # noqa: E402
from moto.logs.models import logs_backends  # noqa: E402

PHASES = [
    "QUEUED",
    "PROVISIONING",
    "DOWNLOAD_SOURCE",
    "INSTALL",
    "PRE_BUILD",
    "BUILD",
    "POST_BUILD",
    "UPLOAD_ARTIFACTS",
    "FINALIZING",
    "COMPLETED",
]

# Per build id: what the fake needs beyond moto's metadata dict.
FAKE = {}
# (account, region, project, idempotency token) -> build id
TOKENS = {}


class FakeBuild:
    def __init__(self, backend, build, env, group, stream):
        self.backend = backend
        self.build = build
        self.env = env
        self.branch = env.get("GIT_BRANCH", "main")
        self.group = group
        self.stream = stream
        self.last_ts = 0
        self.failed_phase = None
        self.final_status = "SUCCEEDED"
        self.slow_lines = 0

    # ---------------------------------------------------------------- the build log
    def write(self, *lines):
        logs = logs_backends[self.backend.account_id][self.backend.region_name]
        events = []
        for line in lines:
            ts = max(int(unix_time_millis()), self.last_ts + 1)
            self.last_ts = ts
            events.append({"timestamp": ts, "message": line + "\n"})
        logs.put_log_events(self.group, self.stream, events)

    def run(self, command):
        self.write(f"[Container] 2025/01/01 00:00:00.000000 Running command {command}")

    def marker(self, text):
        # The echo line CodeBuild writes before running the command, then its output.
        self.run(f'echo "devportal: {text.split(" ")[0]} ${{VALUE}}"')
        self.write(f"devportal: {text}")

    def fail(self, kind, code=None):
        self.marker(f"failure {kind}" + (f" {code}" if code is not None else ""))

    # ---------------------------------------------------------------- the phases' output
    def commit(self):
        return hashlib.sha1(f"{self.env.get('GIT_URL', '')}#{self.branch}".encode()).hexdigest()

    def phase_output(self, phase):
        """Writes what `phase` printed; answers False if the phase failed."""
        b = self.branch
        if phase == "PRE_BUILD":
            self.run('git clone --quiet --depth 1 --branch "$GIT_BRANCH" -- "$GIT_URL" src')
            self.write("Cloning into 'src'...")
            if b == "fail-clone":
                self.write(f"fatal: Remote branch {b} not found in upstream origin")
                self.fail("clone_failed", 128)
                return False
            self.marker(f"commit {self.commit()}")
            if b == "fail-dockerfile":
                self.write("no Dockerfile at the root of the repository")
                self.fail("dockerfile_missing")
                return False
        elif phase == "BUILD":
            self.run('docker build -t "$IMAGE_URI" src')
            self.write("Step 1/2 : FROM scratch", "Step 2/2 : COPY app /app")
            if b == "fail-build":
                self.write("COPY failed: file not found in build context: stat app: file does not exist")
                self.fail("image_build_failed", 2)
                return False
            if b == "fail-silent":
                self.write("the build host ran out of disk space")
                return False
            self.write("Successfully built 0123456789ab")
            self.run('timeout "$HEALTH_CHECK_TIMEOUT" docker run --rm --network none --entrypoint "$1" "$IMAGE_URI" "${@:2}"')
            if b == "fail-health-check":
                self.write("health: not configured")
                self.fail("health_check_failed", 3)
                return False
            if b == "fail-health-timeout":
                self.fail("health_check_timed_out", 124)
                return False
            self.write("health: ok")
        elif phase == "POST_BUILD":
            self.run('docker push "$IMAGE_URI"')
            if b == "fail-push":
                self.write("denied: not authorized to push to this repository")
                self.fail("push_failed", 1)
                return False
            digest = self.push()
            self.write(f"{self.tag()}: digest: {digest} size: 528")
            self.marker(f"digest {digest}")
        return True

    def tag(self):
        return self.env.get("IMAGE_URI", "").rsplit(":", 1)[-1]

    def push(self):
        uri = self.env["IMAGE_URI"]
        name_and_tag = uri.split("/", 1)[1]
        repository, tag = name_and_tag.rsplit(":", 1)
        seed = self.build["id"]
        layer = "sha256:" + hashlib.sha256(f"layer {seed}".encode()).hexdigest()
        config = "sha256:" + hashlib.sha256(f"config {seed}".encode()).hexdigest()
        manifest = json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 1469, "digest": config},
                "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 2048, "digest": layer}],
            },
            separators=(",", ":"),
        )
        digest = "sha256:" + hashlib.sha256(manifest.encode()).hexdigest()
        ecr = ecr_backends[self.backend.account_id][self.backend.region_name]
        ecr.put_image(repository, manifest, tag, digest=digest)
        return digest

    # ---------------------------------------------------------------- phase machine
    def finished(self):
        return self.build.get("buildComplete", False)

    def current(self):
        return self.build["phases"][-1]

    def end_current(self, status, message=None):
        now = iso_8601_datetime_with_milliseconds()
        phase = self.current()
        phase["phaseStatus"] = status
        phase["endTime"] = now
        phase["durationInSeconds"] = 1
        if message:
            phase["contexts"] = [{"statusCode": status, "message": message}]

    def begin(self, phase_type):
        now = iso_8601_datetime_with_milliseconds()
        self.build["currentPhase"] = phase_type
        if phase_type == "COMPLETED":
            self.build["phases"].append({"phaseType": "COMPLETED", "startTime": now})
            self.build["buildStatus"] = self.final_status
            self.build["buildComplete"] = True
            self.build["endTime"] = now
        else:
            self.build["phases"].append({"phaseType": phase_type, "startTime": now})

    def advance(self):
        if self.finished():
            return
        phase = self.build["currentPhase"]
        b = self.branch
        if phase == "BUILD" and b == "slow":
            self.slow_lines += 1
            self.write(f"still building ({self.slow_lines})")
            return
        if phase == "BUILD" and b == "stopped-elsewhere":
            self.stop()
            return
        if phase == "BUILD" and b == "timeout":
            self.end_current("TIMED_OUT", "Build has timed out.")
            self.final_status = "TIMED_OUT"
            self.begin("FINALIZING")
            return
        if phase == "INSTALL" and b == "fault":
            self.end_current("FAULT", "CodeBuild internal error")
            self.final_status = "FAULT"
            self.begin("FINALIZING")
            return
        ok = self.phase_output(phase)
        if not ok:
            self.end_current("FAILED", f"Error while executing command. Reason: exit status 1 ({phase})")
            self.final_status = "FAILED"
            self.failed_phase = phase
            self.begin("FINALIZING")
            return
        self.end_current("SUCCEEDED")
        self.begin(PHASES[PHASES.index(phase) + 1])

    def stop(self):
        if self.finished():
            return
        self.end_current("STOPPED")
        self.final_status = "STOPPED"
        self.begin("COMPLETED")


def start_build(self):
    """CodeBuildResponse.start_build, keeping the overrides and the idempotency token."""
    backend = self.codebuild_backend
    name = self._get_param("projectName")
    cb_responses._validate_required_params_project_name(name)
    if name not in backend.codebuild_projects:
        raise ResourceNotFoundException(
            f"Project cannot be found: arn:aws:codebuild:{self.region}:{self.current_account}:project/{name}"
        )
    token = self._get_param("idempotencyToken")
    key = (backend.account_id, backend.region_name, name, token)
    if token and key in TOKENS:
        return ActionResult({"build": FAKE[TOKENS[key]].build})

    build = backend.start_build(name, self._get_param("sourceVersion"), self._get_param("artifactsOverride"))
    project = backend.codebuild_projects[name].project_metadata
    variables = {v["name"]: dict(v) for v in (project.get("environment") or {}).get("environmentVariables") or []}
    for v in self._get_param("environmentVariablesOverride") or []:
        variables[v["name"]] = {"name": v["name"], "value": v.get("value", ""), "type": v.get("type", "PLAINTEXT")}
    # The build runs with the project's limits (moto says 45 minutes whatever the project says).
    for limit in ("timeoutInMinutes", "queuedTimeoutInMinutes"):
        if project.get(limit):
            build[limit] = project[limit]
    build["environment"] = dict(project.get("environment") or build["environment"])
    build["environment"]["environmentVariables"] = list(variables.values())

    group = ((project.get("logsConfig") or {}).get("cloudWatchLogs") or {}).get("groupName") or f"/aws/codebuild/{name}"
    stream = build["id"].split(":", 1)[1]
    logs = logs_backends[backend.account_id][backend.region_name]
    logs.ensure_log_group(group)
    logs.ensure_log_stream(group, stream)
    build["logs"] = {
        "groupName": group,
        "streamName": stream,
        "deepLink": f"https://console.aws.amazon.com/cloudwatch/home?region={backend.region_name}#logEvent:group={group};stream={stream}",
        "cloudWatchLogsArn": f"arn:aws:logs:{backend.region_name}:{backend.account_id}:log-group:{group}:log-stream:{stream}",
        "cloudWatchLogs": {"status": "ENABLED", "groupName": group},
        "s3Logs": {"status": "DISABLED", "encryptionDisabled": False},
    }
    env = {v["name"]: v["value"] for v in variables.values() if v.get("type", "PLAINTEXT") == "PLAINTEXT"}
    FAKE[build["id"]] = FakeBuild(backend, build, env, group, stream)
    if token:
        TOKENS[key] = build["id"]
    return ActionResult({"build": build})


def batch_get_builds(self, ids):
    """CodeBuildBackend.batch_get_builds: one phase further per call."""
    found = []
    for build_id in ids:
        fake = FAKE.get(build_id)
        if fake is None or fake.backend is not self:
            continue
        fake.advance()
        found.append(fake.build)
    return found


def stop_build(self, build_id):
    """CodeBuildBackend.stop_build: a stopped build stays stopped."""
    fake = FAKE.get(build_id)
    if fake is None:
        return None
    fake.stop()
    return fake.build


cb_responses.CodeBuildResponse.start_build = start_build
cb_models.CodeBuildBackend.batch_get_builds = batch_get_builds
cb_models.CodeBuildBackend.stop_build = stop_build


if __name__ == "__main__":
    from moto.server import main

    main(sys.argv[1:])
