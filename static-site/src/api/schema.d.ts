// Generated from `devportal openapi` by scripts/gen-api.mjs (npm run gen:api). Do not edit.
export interface paths {
    "/api/v1/accounts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["accounts"];
        put?: never;
        post: operations["add_account"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/bin": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["list_bin"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/bin/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        delete: operations["delete_permanently"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/bin/{id}/restore": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: operations["restore"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/catalog": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["catalog"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/connectors": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["list"];
        put?: never;
        post: operations["create"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/connectors/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["get"];
        put?: never;
        post?: never;
        delete: operations["bin_connector"];
        options?: never;
        head?: never;
        patch: operations["edit"];
        trace?: never;
    };
    "/api/v1/connectors/{id}/copy": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: operations["duplicate"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/connectors/{id}/logo": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["get_logo"];
        put: operations["put_logo"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/connectors/{id}/logs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["connector_logs"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/connectors/{id}/versions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["list_versions"];
        put?: never;
        post: operations["add_version"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/connectors/{id}/versions/{v}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["get_version"];
        put?: never;
        post?: never;
        delete: operations["delete_version"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/connectors/{id}/versions/{v}/access": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put: operations["access"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/connectors/{id}/versions/{v}/build": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Build the image from Git. */
        post: operations["build"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/connectors/{id}/versions/{v}/jobs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["list_jobs"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/connectors/{id}/versions/{v}/release": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Release globally within the production targets. */
        post: operations["release"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/connectors/{id}/versions/{v}/releases": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["releases"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/connectors/{id}/versions/{v}/rollback": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: operations["rollback"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/connectors/{id}/versions/{v}/steps/{step}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["get_step"];
        put: operations["put_step"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/connectors/{id}/versions/{v}/sync-dev": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Deploy to the version's dev site. */
        post: operations["sync_dev"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/connectors/{id}/versions/{v}/sync-prod": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: operations["sync_prod"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/connectors/{id}/versions/{v}/sync-runtime": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Register the image with the runtime. */
        post: operations["sync_runtime"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/connectors/{id}/versions/{v}/transitions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["transitions"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/connectors/{id}/versions/{v}/unrelease": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Hide from new users. */
        post: operations["unrelease"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/connectors/{id}/versions/{v}/vcs/test": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: operations["test_vcs"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/dead-letters": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["dead_letters"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/jobs/{job}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["get_job"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/jobs/{job}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: operations["cancel_job"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/jobs/{job}/log": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["job_log"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/jobs/{job}/retry": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: operations["retry_job"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/me": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["me"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/organizations": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["list_organizations"];
        put?: never;
        post: operations["create_organization"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/organizations/{id}/members": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: operations["add_member"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/projects": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["projects"];
        put?: never;
        post: operations["add_project"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/runs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["list_runs"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/runs/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["get_run"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/runs/{id}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: operations["cancel"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/runs/{id}/logs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["logs"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/runs/{id}/output": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["output"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/runs/{id}/stdio": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["stdio"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/sites": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["sites"];
        put?: never;
        post: operations["add_site"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/sites/{site}/runs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: operations["start"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tokens": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["list_tokens"];
        put?: never;
        post: operations["create_token"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tokens/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        delete: operations["revoke_token"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/users": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: operations["create_user"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/vault": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["list_vault"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/vault/{path}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put: operations["put"];
        post?: never;
        delete: operations["delete"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /** @description Who may use a production release (PRODUCT.md §5 *Enable access*). */
        Access: {
            /** @description Specific grants, each inside the production targets. */
            grants: components["schemas"]["Targets"];
            /** @description Released globally to everyone within the targets. */
            released: boolean;
            /** @description Hidden from new users (sites already using it keep working). */
            unreleased: boolean;
        };
        /** @description What an access job changes. */
        AccessChange: {
            /** @enum {string} */
            action: "grant";
            grants: components["schemas"]["Targets"];
        } | {
            /** @enum {string} */
            action: "release";
        } | {
            /** @enum {string} */
            action: "unrelease";
        };
        /** @description An account of the platform hierarchy (Account → Project → Site). */
        Account: {
            id: string;
            name: string;
        };
        AccountList: {
            items: components["schemas"]["Account"][];
            /** @description Pass as `cursor` to get the next page; `null` on the last page. */
            next_cursor?: string | null;
        };
        /** @description Who caused a transition. */
        Actor: {
            id: components["schemas"]["UserId"];
            /** @enum {string} */
            kind: "user";
        } | {
            /** @enum {string} */
            kind: "system";
        };
        AddMemberBody: {
            email: string;
            role?: null | components["schemas"]["Role"];
        };
        /** @description `PUT …/steps/application`. */
        ApplicationBody: {
            arguments?: string | null;
            command?: string | null;
            health_check?: string | null;
            /** Format: int64 */
            revision?: number | null;
        };
        ApplicationConfig: {
            /** @description Arguments, e.g. `main.py run` (quotes group words; no shell expansion happens). */
            arguments: string;
            /** @description The program, e.g. `python`. */
            command: string;
            /** @description Extra arguments used only for the build-time health check, e.g. `--health-check`. */
            health_check: string;
        };
        /** @description `PUT …/steps/auth`. */
        AuthBody: {
            authentications?: components["schemas"]["AuthRegistration"][];
            /** Format: int64 */
            revision?: number | null;
            secrets?: components["schemas"]["SecretRegistration"][];
        };
        AuthConfig: {
            authentications?: components["schemas"]["AuthRegistration"][];
            secrets?: components["schemas"]["SecretRegistration"][];
        };
        /** @enum {string} */
        AuthKind: "oauth2" | "credentials";
        /** @enum {string} */
        Authorization: "public" | "basic" | "deploy-key";
        /** @description An authentication registration: a platform auth provider the end-user picks a credential for. */
        AuthRegistration: {
            authorize_url?: string | null;
            /** @description Credential fields (`Credentials`), or the token fields handed over (`Oauth2`; default `access_token`). */
            fields?: string[];
            kind: components["schemas"]["AuthKind"];
            label?: string;
            /** @description Identifier of the registration, e.g. `shopify`. */
            name: string;
            scopes?: string[];
            token_url?: string | null;
        };
        /**
         * @description The built image as shown: its digest, never where it is stored (a registry path or an
         *     OCI layout on disk is internal).
         */
        BuiltImageView: {
            /**
             * Format: date-time
             * @description When the build finished (absent for builds recorded before it was kept).
             */
            built_at?: string | null;
            commit: string;
            /** @description `sha256:…` of the image manifest. */
            digest: string;
            job_id?: null | components["schemas"]["JobId"];
            /** Format: int64 */
            size_bytes: number;
        };
        /** @description One entry of `GET /catalog`: a released or granted version and its end-user form. */
        CatalogItem: {
            connector_id: components["schemas"]["ConnectorId"];
            digest: string;
            /** @description The end-user form of the released configuration. */
            form: components["schemas"]["FormField"][];
            readme: string;
            release_id: string;
            /** @description "Name vN", as end-users see it. */
            title: string;
            type: components["schemas"]["ConnectorType"];
            /** Format: int32 */
            version: number;
        };
        CatalogList: {
            items: components["schemas"]["CatalogItem"][];
            /** @description Pass as `cursor` to get the next page; `null` on the last page. */
            next_cursor?: string | null;
        };
        ConfigurationView: {
            application?: null | components["schemas"]["ApplicationConfig"];
            auth: components["schemas"]["AuthConfig"];
            individual: components["schemas"]["IndividualConfig"];
            type_specific?: null | components["schemas"]["TypeSpecificConfig"];
            vcs?: null | components["schemas"]["VcsView"];
        };
        Connector: {
            /**
             * Format: date-time
             * @description When the connector was moved to the bin, and by whom (`None`: not binned).
             */
            binned_at?: string | null;
            binned_by?: null | components["schemas"]["UserId"];
            /** Format: date-time */
            created_at: string;
            created_by: components["schemas"]["UserId"];
            description: string;
            execution_mode: components["schemas"]["ExecutionMode"];
            flow: components["schemas"]["Flow"];
            has_logo: boolean;
            id: components["schemas"]["ConnectorId"];
            /**
             * Format: int32
             * @description Highest version number ever given (numbers are never reused).
             */
            latest_version: number;
            /**
             * Format: int32
             * @description The released main version, once there is one.
             */
            main_version?: number | null;
            name: string;
            owner: components["schemas"]["OrgId"];
            readme: string;
            /** @description Whether any version is released globally (maintained by the pipeline). */
            released: boolean;
            /** Format: int64 */
            revision: number;
            type: components["schemas"]["ConnectorType"];
            /** Format: date-time */
            updated_at: string;
        };
        /**
         * Format: uuid
         * @description A connector.
         */
        ConnectorId: string;
        ConnectorPage: {
            items: components["schemas"]["Connector"][];
            /** @description Pass as `cursor` to get the next page; `null` on the last page. */
            next_cursor?: string | null;
        };
        /** @enum {string} */
        ConnectorType: "datasource" | "export" | "export-delta" | "data-service" | "download" | "transform" | "write" | "upload";
        CreateConnectorBody: {
            description?: string | null;
            execution_mode?: null | components["schemas"]["ExecutionMode"];
            flow?: null | components["schemas"]["Flow"];
            name?: string | null;
            owner?: null | components["schemas"]["OrgId"];
            /** @description Markdown shown to end-users. */
            readme?: string | null;
            type?: null | components["schemas"]["ConnectorType"];
        };
        /** @description The one answer that shows a token's secret. */
        CreatedToken: {
            /** Format: date-time */
            created_at: string;
            /** Format: date-time */
            expires_at?: string | null;
            id: components["schemas"]["TokenId"];
            name: string;
            scope: components["schemas"]["TokenScope"];
            /**
             * @description The bearer token. Shown once; only its hash is stored, so a retry with the same
             *     `Idempotency-Key` answers the token without it.
             */
            token?: string | null;
        };
        CreatedUser: {
            /**
             * @description The user's first token, shown once (not in the answer to a retry with the same
             *     `Idempotency-Key`).
             */
            token?: string | null;
            user: components["schemas"]["User"];
        };
        CreateOrganizationBody: {
            name: string;
        };
        CreateTokenBody: {
            /**
             * Format: date-time
             * @description When the token stops working (RFC 3339, in the future). Or give `expires_in_days`.
             */
            expires_at?: string | null;
            /**
             * Format: int32
             * @description Days until the token stops working (1–3650). Neither field: it does not expire.
             */
            expires_in_days?: number | null;
            /** @description A label, e.g. `ci`. Default `automation`. */
            name?: string | null;
            scope?: null | components["schemas"]["TokenScope"];
        };
        CreateUserBody: {
            email: string;
            name: string;
        };
        /** @enum {string} */
        DatasourceCategory: "most_popular" | "shopping_platform" | "shop_systems" | "cloud_services" | "pim_pms" | "tracking_systems" | "custom_import" | "orders" | "miscellaneous";
        DeadLetterList: {
            items: components["schemas"]["DeadLetterView"][];
            /** @description Pass as `cursor` to get the next page; `null` on the last page. */
            next_cursor?: string | null;
        };
        /** @description A queue message that exhausted its attempts. */
        DeadLetterView: {
            /** Format: int32 */
            attempts: number;
            connector_id: components["schemas"]["ConnectorId"];
            /** Format: date-time */
            dead_at: string;
            error: string;
            job_id: components["schemas"]["JobId"];
            message_id: string;
            stage: components["schemas"]["Stage"];
            /** Format: int32 */
            version: number;
        };
        /** @description `VersionView::deployment`: what each pipeline step has produced for the version. */
        DeploymentView: {
            /** @description *Enable access*: specific grants and the global release flags. */
            access: components["schemas"]["Access"];
            active_job?: null | components["schemas"]["JobId"];
            dev?: null | components["schemas"]["DevDeployment"];
            image?: null | components["schemas"]["BuiltImageView"];
            /** @description This version is the connector's main version. */
            main: boolean;
            production?: null | components["schemas"]["ReleaseSummaryView"];
            /** @description Released globally and not unreleased. */
            released: boolean;
            runtime?: null | components["schemas"]["RuntimeView"];
        };
        /** @description The version's dev deployment, made by *Sync with dev*. */
        DevDeployment: {
            account_id: string;
            digest: string;
            installation_id: string;
            project_id: string;
            site_id: string;
        };
        EditConnectorBody: {
            description?: string | null;
            /** @description Locked: refused with 422. */
            execution_mode?: Record<string, never> | null;
            /** @description Locked: refused with 422. */
            flow?: Record<string, never> | null;
            /**
             * Format: int32
             * @description Choose the main version (one released to production).
             */
            main_version?: number | null;
            name?: string | null;
            /** @description Locked: refused with 422. */
            owner?: Record<string, never> | null;
            readme?: string | null;
            /**
             * Format: int64
             * @description The revision read; may instead be sent as `If-Match`.
             */
            revision?: number | null;
            /** @description Locked: refused with 422. */
            type?: Record<string, never> | null;
        };
        /**
         * Format: email
         * @description A lower-cased, syntactically plausible e-mail address.
         */
        Email: string;
        EnvVar: {
            /** @description The value shown is a mask; the real one is injected at run time only. */
            masked: boolean;
            name: string;
            source: components["schemas"]["ValueSource"];
            value: string;
        };
        /** @description The error body of every failed request. */
        ErrorBody: {
            /** @description Stable machine code, e.g. `validation_failed`, `stale_revision`, `not_found`. */
            code: components["schemas"]["ErrorCode"];
            /**
             * Format: int64
             * @description On `stale_revision` and `transition_not_allowed`: the resource's current revision.
             */
            current_revision?: number | null;
            /** @description Per-field problems (validation errors). */
            fields?: components["schemas"]["FieldError"][];
            /** @description On `quota_exceeded`: the name of the limit that was reached, e.g. `max_tokens_per_user`. */
            limit?: string | null;
            /**
             * Format: int32
             * @description On `quota_exceeded`: the limit's value.
             */
            max?: number | null;
            /** @description What went wrong, for a person. */
            message: string;
            /**
             * Format: int64
             * @description On `rate_limited` (429): seconds to wait before trying again (also the `Retry-After` header).
             */
            retry_after_seconds?: number | null;
            state?: null | components["schemas"]["VersionState"];
            /**
             * Format: int32
             * @description The HTTP status, repeated for clients that only see the body.
             */
            status: number;
        };
        /**
         * @description Every error code the API answers, each with its status (documented in
         *     docs/ARCHITECTURE.md's error table; tests hold [`ErrorCode::ALL`] to the enum and the table
         *     to `ALL`).
         * @enum {string}
         */
        ErrorCode: "malformed_json" | "unreadable_body" | "bad_request" | "invalid_header" | "invalid_path_parameter" | "invalid_query_parameter" | "unauthenticated" | "token_expired" | "run_token_expired" | "forbidden" | "insufficient_scope" | "not_found" | "method_not_allowed" | "stale_revision" | "transition_not_allowed" | "already_exists" | "conflict" | "quota_exceeded" | "payload_too_large" | "unsupported_media_type" | "invalid_body" | "validation_failed" | "rate_limited" | "rejected" | "unavailable" | "internal";
        /**
         * @description How configuration values reach the program (PRODUCT.md §4 step 6).
         * @enum {string}
         */
        ExecutionMode: "env" | "options";
        /** @description The computed execution of one sample run. */
        ExecutionPreview: {
            /** @description The argument vector the runtime starts (never passed through a shell). */
            argv: string[];
            /** @description `argv` quoted for reading; secrets masked. */
            command_line: string;
            environment: components["schemas"]["EnvVar"][];
            execution_mode: components["schemas"]["ExecutionMode"];
            /** @description What the build runs as the health check: `command arguments health_check`. */
            health_check_argv: string[];
        };
        /** @description One rule broken by one field. `field` is a dotted path (`fields[2].key`). */
        FieldError: {
            /** @description Stable machine code of the rule, e.g. `required`, `too_long`, `invalid_format`. */
            code: string;
            field: string;
            message: string;
        };
        /** @enum {string} */
        FieldType: "input" | "textarea" | "password" | "checkbox" | "select" | "select_multiple" | "number" | "url" | "email";
        /** @enum {string} */
        Flow: "default" | "standalone" | "migration";
        /** @description One field of the end-user form, as stored. */
        FormField: {
            /** @description Checkbox: `0`/`1`; select: one of `options`; select_multiple: comma-separated options. */
            default?: string | null;
            description: string;
            key: string;
            label: string;
            options: string[];
            /** Format: int64 */
            order: number;
            placeholder: string;
            required: boolean;
            type: components["schemas"]["FieldType"];
        };
        /** @description One field as a client sends it: `default` may be a string, number or boolean. */
        FormFieldInput: {
            default?: Record<string, never> | null;
            description?: string;
            key: string;
            label?: string | null;
            options?: string[];
            /** Format: int64 */
            order?: number | null;
            placeholder?: string;
            required?: boolean;
            type: components["schemas"]["FieldType"];
        };
        /** @description `PUT …/steps/individual`. */
        IndividualBody: {
            fields: components["schemas"]["FormFieldInput"][];
            /** Format: int64 */
            revision?: number | null;
        };
        IndividualConfig: {
            fields: components["schemas"]["FormField"][];
        };
        /**
         * @description A job as shown: its outcome with host paths redacted, without the worker's lease or the
         *     remote build's id and log position (how the workers coordinate, not what the job did).
         */
        Job: {
            /**
             * Format: int32
             * @description How many times a worker started it (re-deliveries after a crash count).
             */
            attempts: number;
            connector_id: components["schemas"]["ConnectorId"];
            /** Format: date-time */
            created_at: string;
            /**
             * Format: int32
             * @description The failing program's exit code, where there is one.
             */
            exit_code?: number | null;
            /** Format: date-time */
            finished_at?: string | null;
            /** @description The version's state when the job started; restored if it fails or is cancelled. */
            from_state: components["schemas"]["VersionState"];
            id: components["schemas"]["JobId"];
            params: components["schemas"]["JobParams"];
            /** @description Why it failed or was cancelled. */
            reason?: string | null;
            requested_by: components["schemas"]["UserId"];
            /** @description Set on success: what the stage produced (commit, digest, release id, …). */
            result?: Record<string, never> | null;
            retry_of?: null | components["schemas"]["JobId"];
            /** Format: int64 */
            revision: number;
            running_state?: null | components["schemas"]["VersionState"];
            stage: components["schemas"]["Stage"];
            /** Format: date-time */
            started_at?: string | null;
            status: components["schemas"]["JobStatus"];
            /** Format: int32 */
            version: number;
        };
        /**
         * Format: uuid
         * @description A background job (one run of one stage on one version).
         */
        JobId: string;
        JobList: {
            items: components["schemas"]["Job"][];
            /** @description Pass as `cursor` to get the next page; `null` on the last page. */
            next_cursor?: string | null;
        };
        /**
         * @description A page of a job's log. While the job runs, `next_cursor` is always set: ask again with
         *     it to follow the log live. It is `null` once the job has finished and every line was read.
         */
        JobLogPage: {
            items: components["schemas"]["LogLine"][];
            job_status: components["schemas"]["JobStatus"];
            next_cursor?: string | null;
        };
        /** @description Stage-specific parameters of a job, fixed when it starts. */
        JobParams: {
            /** @enum {string} */
            stage: "build";
        } | {
            /** @enum {string} */
            stage: "sync-runtime";
        } | {
            /** @enum {string} */
            stage: "sync-dev";
        } | {
            /** @enum {string} */
            stage: "sync-prod";
            targets: components["schemas"]["Targets"];
        } | {
            change: components["schemas"]["AccessChange"];
            /** @enum {string} */
            stage: "access";
        } | {
            reason: string;
            release_id: string;
            /** @enum {string} */
            stage: "rollback";
        };
        /** @enum {string} */
        JobStatus: "pending" | "running" | "done" | "failed" | "cancelled";
        /** @description syslog level 0 (emergency) … 7 (debug), or "success" / "report" */
        LogLevel: number | ("success" | "report");
        /** @description One line of a job log. */
        LogLine: {
            /** Format: date-time */
            at: string;
            /** Format: int64 */
            seq: number;
            stream: components["schemas"]["LogStream"];
            text: string;
        };
        /** @description A page of log entries, with how many entries of the whole log match (first page only). */
        LogPage: {
            items: components["schemas"]["RunLogEntry"][];
            next_cursor?: string | null;
            /**
             * Format: int64
             * @description Matches in the whole log (a run's logs only; `null` across runs and on later pages).
             */
            total_matches?: number | null;
            /**
             * @description Whether `total_matches` is exact; `false` when counting a very long log stopped at its
             *     read budget and `total_matches` is a lower bound ("10 000+").
             */
            total_matches_exact?: boolean | null;
        };
        /**
         * @description The stream a log line came from.
         * @enum {string}
         */
        LogStream: "stdout" | "stderr" | "system";
        Membership: {
            /** Format: date-time */
            created_at: string;
            org_id: components["schemas"]["OrgId"];
            role: components["schemas"]["Role"];
            user_id: components["schemas"]["UserId"];
        };
        MeView: {
            organizations: components["schemas"]["OrganizationView"][];
            /** @description The token this request was made with. */
            token_id: components["schemas"]["TokenId"];
            /** @description That token's scope. */
            token_scope: components["schemas"]["TokenScope"];
            user: components["schemas"]["User"];
        };
        /**
         * @description `POST /accounts`: a customer account. Ids are the platform's own: 2–63 lowercase letters,
         *     digits and hyphens; `dev` and `dev-…` are reserved.
         */
        NewAccountBody: {
            id: string;
            name: string;
        };
        /** @description `POST /projects`: a customer project of an existing account. */
        NewProjectBody: {
            account_id: string;
            id: string;
            name: string;
        };
        /** @description `POST /sites`: a production site of an existing customer project (its account follows). */
        NewSiteBody: {
            id: string;
            name: string;
            project_id: string;
        };
        /** @description An empty body (or `{}`) for triggers that take no parameters. */
        NoParams: Record<string, never>;
        OrganizationList: {
            items: components["schemas"]["OrganizationView"][];
            /** @description Pass as `cursor` to get the next page; `null` on the last page. */
            next_cursor?: string | null;
        };
        OrganizationView: {
            /** Format: date-time */
            created_at: string;
            id: components["schemas"]["OrgId"];
            name: string;
            /** @description The caller's role in it. */
            role: components["schemas"]["Role"];
        };
        /**
         * Format: uuid
         * @description An organization (the owner of connectors).
         */
        OrgId: string;
        /** @description Output rows, flattened, oldest first. */
        OutputPage: {
            items: components["schemas"]["OutputRow"][];
            /** @description Pass as `cursor` to get the next page; `null` on the last page. */
            next_cursor?: string | null;
        };
        /** @description One stored output row, flattened (`GET /runs/{id}/output`). */
        OutputRow: {
            row: Record<string, never>;
            /** Format: int64 */
            seq: number;
            /** Format: date-time */
            time: string;
        };
        Project: {
            account_id: string;
            id: string;
            name: string;
            owner_org_id?: null | components["schemas"]["OrgId"];
        };
        ProjectList: {
            items: components["schemas"]["Project"][];
            /** @description Pass as `cursor` to get the next page; `null` on the last page. */
            next_cursor?: string | null;
        };
        ReleaseList: {
            items: components["schemas"]["ReleaseView"][];
            /** @description Pass as `cursor` to get the next page; `null` on the last page. */
            next_cursor?: string | null;
        };
        /**
         * @description A production release as shown: without its configuration snapshot (which holds secret
         *     references).
         */
        ReleaseSummaryView: {
            commit: string;
            digest: string;
            job_id: components["schemas"]["JobId"];
            release_id: string;
            /** Format: date-time */
            released_at: string;
            targets: components["schemas"]["Targets"];
        };
        /**
         * @description A production release of a version, as listed by `GET …/{v}/releases`. Its configuration
         *     snapshot is shown as the wizard shows configuration: secrets as flags, never references.
         */
        ReleaseView: {
            commit: string;
            /** @description The version's configuration when the release was made. */
            configuration: components["schemas"]["ConfigurationView"];
            digest: string;
            job_id: components["schemas"]["JobId"];
            /** @description The release production serves now. */
            live: boolean;
            release_id: string;
            /** Format: date-time */
            released_at: string;
            targets: components["schemas"]["Targets"];
        };
        /**
         * @description Whether a step must be complete before a build.
         * @enum {string}
         */
        Requirement: "required" | "optional" | "review" | "not_applicable";
        /** @enum {string} */
        Role: "admin" | "member";
        /** @description `POST …/{v}/rollback`. */
        RollbackBody: {
            /** @description Why, for the history. */
            reason: string;
            /** @description An earlier production release of this version (see `…/releases`). */
            release_id: string;
        };
        /**
         * Format: uuid
         * @description A run of a connector version on a site.
         */
        RunId: string;
        /** @description One stored application log entry (`GET /runs/{id}/logs`). */
        RunLogEntry: {
            context: Record<string, never>;
            level: components["schemas"]["LogLevel"];
            message: string;
            run_id: components["schemas"]["RunId"];
            /** Format: int64 */
            seq: number;
            /** Format: date-time */
            time: string;
        };
        /** @description A page of runs, newest first. */
        RunPage: {
            items: components["schemas"]["RunView"][];
            /** @description Pass as `cursor` to get the next page; `null` on the last page. */
            next_cursor?: string | null;
        };
        /** @description The last progress a run reported through the run API. */
        RunProgress: {
            /** Format: date-time */
            at: string;
            message: string;
            /** Format: int32 */
            percent: number;
        };
        /**
         * @description Where a run is in its life. `queued` → `running` → one of the final four; a queued run
         *     can also end directly (cancelled before it started, or failed to start).
         * @enum {string}
         */
        RunStatus: "queued" | "running" | "succeeded" | "failed" | "cancelled" | "timed-out";
        /**
         * @description The runtime registration: which digest the runtime runs (its internal reference, an ARN
         *     or a path, is not shown).
         */
        RuntimeView: {
            digest: string;
        };
        /** @description Who started a run: a person in the browser (`user`) or automation with a token (`api`). */
        RunTrigger: {
            kind: components["schemas"]["TriggerKind"];
            token_id?: null | components["schemas"]["TokenId"];
            user_id: components["schemas"]["UserId"];
        };
        /** @description A run as answers show it. */
        RunView: {
            argv: string[];
            cancel_requested: boolean;
            /** @description The effective command line, secrets masked. */
            command_line: string;
            connector_id: components["schemas"]["ConnectorId"];
            /** Format: date-time */
            created_at: string;
            digest: string;
            /** Format: int64 */
            duration_ms?: number | null;
            environment: components["schemas"]["EnvVar"][];
            /** Format: int32 */
            exit_code?: number | null;
            /** Format: date-time */
            finished_at?: string | null;
            has_test_input: boolean;
            id: components["schemas"]["RunId"];
            /**
             * Format: uuid
             * @description The process id monitoring reports (set when the process started).
             */
            process_id?: string | null;
            progress?: null | components["schemas"]["RunProgress"];
            reason?: string | null;
            /** Format: int64 */
            revision: number;
            site_id: string;
            site_kind: components["schemas"]["SiteKind"];
            /** Format: date-time */
            started_at?: string | null;
            status: components["schemas"]["RunStatus"];
            /** Format: int64 */
            time_limit_secs: number;
            trigger: components["schemas"]["RunTrigger"];
            /** Format: int32 */
            version: number;
        };
        /** @description A secret registration: a vault entry and which of its fields the program receives. */
        SecretRegistration: {
            fields: string[];
            /** @description Vault path, e.g. `shops/acme/api`. */
            path: string;
        };
        /** @description Where connectors run. */
        Site: {
            account_id: string;
            id: string;
            kind: components["schemas"]["SiteKind"];
            name: string;
            owner_org_id?: null | components["schemas"]["OrgId"];
            project_id: string;
        };
        /** @enum {string} */
        SiteKind: "dev" | "production";
        SiteList: {
            items: components["schemas"]["Site"][];
            /** @description Pass as `cursor` to get the next page; `null` on the last page. */
            next_cursor?: string | null;
        };
        /**
         * @description The five pipeline steps, strictly in order.
         * @enum {string}
         */
        Stage: "build" | "sync-runtime" | "sync-dev" | "sync-prod" | "access";
        /** @description `POST /sites/{site}/runs`. */
        StartRunBody: {
            /** @description Authentication credential fields by name. */
            auth?: {
                [key: string]: string;
            };
            /** Format: uuid */
            connector_id: string;
            /** @description Input rows for a test run on a dev site. */
            test_input?: Record<string, never>[] | null;
            /** @description The end-user form's values by key. */
            values?: Record<string, never>;
            /** @description A version number, `latest` or `main`; the version synced to the site. */
            version: Record<string, never>;
        };
        /** @description One stored raw output line (`GET /runs/{id}/stdio`). */
        StdioLine: {
            line: string;
            /** Format: int64 */
            seq: number;
            stream: components["schemas"]["StdStream"];
            /** Format: date-time */
            time: string;
        };
        /** @description Raw output lines, oldest first. */
        StdioPage: {
            items: components["schemas"]["StdioLine"][];
            /** @description Pass as `cursor` to get the next page; `null` on the last page. */
            next_cursor?: string | null;
        };
        /**
         * @description The stream of a raw output line.
         * @enum {string}
         */
        StdStream: "stdout" | "stderr";
        /**
         * @description The wizard steps, in the order the UI shows them.
         * @enum {string}
         */
        Step: "details" | "vcs" | "application" | "auth" | "individual" | "execution" | "type-specific";
        /** @description The body of a step `PUT`, by step (documentation only: the path chooses the variant). */
        StepBody: {
            Vcs: components["schemas"]["VcsBody"];
        } | {
            Application: components["schemas"]["ApplicationBody"];
        } | {
            Auth: components["schemas"]["AuthBody"];
        } | {
            Individual: components["schemas"]["IndividualBody"];
        } | {
            TypeSpecific: components["schemas"]["TypeSpecificBody"];
        };
        StepData: (null | components["schemas"]["VcsView"]) | (null | components["schemas"]["ApplicationConfig"]) | components["schemas"]["AuthConfig"] | components["schemas"]["IndividualConfig"] | (null | components["schemas"]["TypeSpecificConfig"]) | (null | components["schemas"]["ExecutionPreview"]);
        StepStatus: {
            /** @description Required steps: every required value is set. Optional ones: something was configured. */
            complete: boolean;
            /** @description What is still missing, in words (required steps only). */
            missing: string[];
            requirement: components["schemas"]["Requirement"];
            step: components["schemas"]["Step"];
            title: string;
        };
        /** @description `GET`/`PUT …/steps/{step}`: the step's data with its status and the version's revision. */
        StepView: {
            data: components["schemas"]["StepData"];
            /**
             * Format: int64
             * @description The version's revision after this answer; send it back to guard the next `PUT`.
             */
            revision: number;
            state: components["schemas"]["VersionState"];
            status: components["schemas"]["StepStatus"];
            step: components["schemas"]["Step"];
        };
        /** @description `POST …/sync-prod`. */
        SyncProdBody: {
            /** @description The scope the production release may be used in. */
            targets: components["schemas"]["Targets"];
        };
        /** @description The scope a production release may be used in, and grants within it. */
        Targets: {
            accounts?: string[];
            projects?: string[];
            sites?: string[];
        };
        /**
         * Format: uuid
         * @description An automation or user token (the id, never the secret).
         */
        TokenId: string;
        TokenList: {
            items: components["schemas"]["TokenView"][];
            /** @description Pass as `cursor` to get the next page; `null` on the last page. */
            next_cursor?: string | null;
        };
        /**
         * @description What a token may do: `read` tokens may only read (`GET`); `write` tokens (the default)
         *     may do whatever their user may.
         * @enum {string}
         */
        TokenScope: "read" | "write";
        /** @description A token as listed: never its secret or hash. */
        TokenView: {
            /** Format: date-time */
            created_at: string;
            /** @description Whether `expires_at` has passed. */
            expired: boolean;
            /**
             * Format: date-time
             * @description When it stops authenticating (`null`: never).
             */
            expires_at?: string | null;
            id: components["schemas"]["TokenId"];
            name: string;
            /** @description `read`: only `GET` requests; `write`: whatever the user may do. */
            scope: components["schemas"]["TokenScope"];
        };
        /** @description One recorded state change of a version. */
        Transition: {
            /** Format: date-time */
            at: string;
            by: components["schemas"]["Actor"];
            connector_id: components["schemas"]["ConnectorId"];
            from: components["schemas"]["VersionState"];
            job_id?: null | components["schemas"]["JobId"];
            reason?: string | null;
            to: components["schemas"]["VersionState"];
            /** Format: int32 */
            version: number;
        };
        TransitionList: {
            items: components["schemas"]["Transition"][];
            /** @description Pass as `cursor` to get the next page; `null` on the last page. */
            next_cursor?: string | null;
        };
        /** @enum {string} */
        TriggerKind: "user" | "api";
        /** @description `PUT …/steps/type-specific`: which fields apply depends on the connector type. */
        TypeSpecificBody: {
            /** @description Datasource. */
            categories?: components["schemas"]["DatasourceCategory"][] | null;
            category_attributes?: string[] | null;
            /** @description Export types. */
            channels?: string[] | null;
            feedback_file?: boolean | null;
            /** Format: int64 */
            revision?: number | null;
            /** @description Data-service: a JSON object. */
            settings?: Record<string, never> | null;
            source_column?: string | null;
            target_column?: string | null;
        };
        /** @description The stored type-specific configuration; its variant matches the connector type. */
        TypeSpecificConfig: {
            categories: components["schemas"]["DatasourceCategory"][];
            /** @enum {string} */
            kind: "datasource";
        } | {
            category_attributes: string[];
            channels: string[];
            feedback_file: boolean;
            /** @enum {string} */
            kind: "export";
            source_column?: string | null;
            target_column?: string | null;
        } | {
            /** @enum {string} */
            kind: "data_service";
            settings: Record<string, never>;
        };
        User: {
            /** Format: date-time */
            created_at: string;
            email: components["schemas"]["Email"];
            id: components["schemas"]["UserId"];
            name: string;
            /** @description Platform admins may create users. They still see only their organizations' connectors. */
            platform_admin: boolean;
        };
        /**
         * Format: uuid
         * @description A user of the portal.
         */
        UserId: string;
        /**
         * @description Where a variable or option value comes from.
         * @enum {string}
         */
        ValueSource: "platform" | "field" | "auth" | "secret";
        /** @description `PUT /vault/{path}`. */
        VaultBody: {
            /** @description Field name → value (write-only). */
            fields: Record<string, never>;
        };
        /** @description A vault path as listings show it. */
        VaultEntryView: {
            /** @description Field names; values are never shown. */
            fields: string[];
            org_id: components["schemas"]["OrgId"];
            path: string;
        };
        /** @description Vault paths with their field names. */
        VaultList: {
            items: components["schemas"]["VaultEntryView"][];
            /** @description Pass as `cursor` to get the next page; `null` on the last page. */
            next_cursor?: string | null;
        };
        /** @description `PUT …/steps/vcs`. */
        VcsBody: {
            authorization?: null | components["schemas"]["Authorization"];
            /** @description Default `main`. */
            branch?: string | null;
            /** Format: int64 */
            revision?: number | null;
            /** @description Basic authorization only. Write-only: stored as a secret, never returned; omit to keep the stored one. */
            token?: string | null;
            url?: string | null;
            /** @description Basic authorization only. */
            username?: string | null;
        };
        /** @description The answer of `POST …/vcs/test`. */
        VcsTestView: {
            branch: string;
            /** @description Head commit of the branch, when reachable. */
            commit?: string | null;
            ok: boolean;
            /** @description Why the branch cannot be read, when not. */
            reason?: string | null;
            url: string;
        };
        /** @description Version control as shown: the token only as `has_token`, the deploy key only as its public half. */
        VcsView: {
            authorization: components["schemas"]["Authorization"];
            branch: string;
            deploy_key_public?: string | null;
            has_token: boolean;
            url: string;
            username?: string | null;
        };
        VersionList: {
            items: components["schemas"]["VersionView"][];
            /** @description Pass as `cursor` to get the next page; `null` on the last page. */
            next_cursor?: string | null;
        };
        /**
         * @description Deployment state of a version (PRODUCT.md §5).
         * @enum {string}
         */
        VersionState: "created" | "updated" | "building" | "built" | "synchronizing-to-runtime" | "synchronized-to-runtime" | "synchronizing-to-dev" | "synchronized-to-dev" | "synchronizing-to-prod" | "resynchronizing-to-prod" | "synchronized-to-prod";
        VersionView: {
            /** @description Every required wizard step is complete. */
            buildable: boolean;
            configuration: components["schemas"]["ConfigurationView"];
            connector_id: components["schemas"]["ConnectorId"];
            /** Format: date-time */
            created_at: string;
            /** @description Where the version stands in the release pipeline. */
            deployment: components["schemas"]["DeploymentView"];
            /** Format: int32 */
            number: number;
            /** Format: int64 */
            revision: number;
            state: components["schemas"]["VersionState"];
            steps: components["schemas"]["StepStatus"][];
            /** Format: date-time */
            updated_at: string;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    accounts: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AccountList"];
                };
            };
            /** @description a malformed path or query parameter, or malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description missing or unknown bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the portal failed; nothing internal is revealed */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description a dependency is busy; try again */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    add_account: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["NewAccountBody"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Account"];
                };
            };
            /** @description a malformed path or query parameter, or malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description missing or unknown bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description not a platform admin */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the body is larger than the limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the body is not `application/json` */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description an invalid or taken id, or a blank name */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the portal failed; nothing internal is revealed */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description a dependency is busy; try again */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    list_bin: {
        parameters: {
            query?: {
                cursor?: string;
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description binned connectors, with `binned_at` and `binned_by` */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ConnectorPage"];
                };
            };
            /** @description a malformed path or query parameter, or malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description missing or unknown bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the portal failed; nothing internal is revealed */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description a dependency is busy; try again */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    delete_permanently: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description deleted with everything it owned */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description a malformed path or query parameter, or malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description missing or unknown bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description only admins of the owning organization delete permanently */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the portal failed; nothing internal is revealed */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description a dependency is busy; try again */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    restore: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Connector"];
                };
            };
            /** @description a malformed path or query parameter, or malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description missing or unknown bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the portal failed; nothing internal is revealed */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description a dependency is busy; try again */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    catalog: {
        parameters: {
            query?: {
                /**
                 * @description Exactly one of `account_id`, `project_id` and `site_id` (the first given wins: site,
                 *     then project, then account).
                 */
                account_id?: string;
                cursor?: string;
                /** @description 1–200, default 50. */
                limit?: number;
                project_id?: string;
                site_id?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description a page may hold fewer than `limit` items and still have a `next_cursor` */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CatalogList"];
                };
            };
            /** @description a malformed path or query parameter, or malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description missing or unknown bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the portal failed; nothing internal is revealed */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description a dependency is busy; try again */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    list: {
        parameters: {
            query?: {
                cursor?: string;
                /** @description 1–200, default 50. */
                limit?: number;
                /** @description Case-insensitive part of the name. */
                name?: string;
                owner?: string;
                released?: boolean;
                type?: components["schemas"]["ConnectorType"];
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ConnectorPage"];
                };
            };
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description missing or unknown bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the portal failed; nothing internal is revealed */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description a dependency is busy; try again */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    create: {
        parameters: {
            query?: never;
            header?: {
                /** @description a retry with the same key and body answers 200 with what the first request made; another body: 422 `idempotency_key_reused` */
                "Idempotency-Key"?: string | null;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateConnectorBody"];
            };
        };
        responses: {
            /** @description the Idempotency-Key was used before: what that request made */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Connector"];
                };
            };
            /** @description created with version 1 in state `created` */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Connector"];
                };
            };
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description missing or unknown bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the body is larger than the limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the portal failed; nothing internal is revealed */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description a dependency is busy; try again */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Connector"];
                };
            };
            /** @description a malformed path or query parameter, or malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description missing or unknown bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the portal failed; nothing internal is revealed */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description a dependency is busy; try again */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    bin_connector: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description moved to the bin */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Connector"];
                };
            };
            /** @description a malformed path or query parameter, or malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description missing or unknown bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description a version is used in production */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the portal failed; nothing internal is revealed */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description a dependency is busy; try again */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    edit: {
        parameters: {
            query?: never;
            header?: {
                /** @description the revision read */
                "If-Match"?: string | null;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["EditConnectorBody"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Connector"];
                };
            };
            /** @description a malformed path or query parameter, or malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description missing or unknown bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the body is larger than the limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the body is not `application/json` */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the portal failed; nothing internal is revealed */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description a dependency is busy; try again */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    duplicate: {
        parameters: {
            query?: never;
            header?: {
                /** @description a retry with the same key and body answers 200 with what the first request made; another body: 422 `idempotency_key_reused` */
                "Idempotency-Key"?: string | null;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description the Idempotency-Key was used before: what that request made */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Connector"];
                };
            };
            /** @description "<name> - Copy", without Git credentials, version 1 `created` */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Connector"];
                };
            };
            /** @description a malformed path or query parameter, or malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description missing or unknown bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the portal failed; nothing internal is revealed */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description a dependency is busy; try again */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_logo: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "image/svg+xml": string;
                };
            };
            /** @description a malformed path or query parameter, or malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description missing or unknown bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the portal failed; nothing internal is revealed */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description a dependency is busy; try again */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    put_logo: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        /** @description an SVG image, at most 64 KiB; scripts, event handlers, external references and foreignObject are removed */
        requestBody: {
            content: {
                "image/svg+xml": string;
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Connector"];
                };
            };
            /** @description a malformed path or query parameter, or malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description missing or unknown bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the body is larger than the limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the portal failed; nothing internal is revealed */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description a dependency is busy; try again */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    connector_logs: {
        parameters: {
            query?: {
                cursor?: string;
                /** @description RFC 3339: entries at or after. */
                from?: string;
                limit?: number;
                /** @description Keep this level and worse: 0…7, `success` or `report` (e.g. `3` = error and worse). */
                min_level?: string;
                /** @description Text the message contains (case-insensitive). */
                q?: string;
                /** @description RFC 3339: entries before. */
                to?: string;
                /** @description Connector-wide logs only: one version. */
                version?: number;
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["LogPage"];
                };
            };
            /** @description a malformed path or query parameter, or malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description missing or unknown bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the portal failed; nothing internal is revealed */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description a dependency is busy; try again */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    list_versions: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["VersionList"];
                };
            };
            /** @description a malformed path or query parameter, or malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description missing or unknown bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the portal failed; nothing internal is revealed */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description a dependency is busy; try again */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    add_version: {
        parameters: {
            query?: never;
            header?: {
                /** @description a retry with the same key and body answers 200 with what the first request made; another body: 422 `idempotency_key_reused` */
                "Idempotency-Key"?: string | null;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description the Idempotency-Key was used before: what that request made */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["VersionView"];
                };
            };
            /** @description a copy of the newest version's configuration, state `updated` */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["VersionView"];
                };
            };
            /** @description a malformed path or query parameter, or malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description missing or unknown bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the portal failed; nothing internal is revealed */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description a dependency is busy; try again */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_version: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
                /** @description A version number, `latest` or `main`. */
                v: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["VersionView"];
                };
            };
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description missing or unknown bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the portal failed; nothing internal is revealed */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description a dependency is busy; try again */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    delete_version: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
                /** @description A version number, `latest` or `main`. */
                v: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description a malformed path or query parameter, or malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description missing or unknown bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description used in production, or the last version */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the portal failed; nothing internal is revealed */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description a dependency is busy; try again */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    access: {
        parameters: {
            query?: never;
            header?: {
                "Idempotency-Key"?: string | null;
            };
            path: {
                id: string;
                /** @description A version number, `latest` or `main`. */
                v: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["Targets"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Job"];
                };
            };
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Job"];
                };
            };
            /** @description a malformed path or query parameter, or malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description missing or unknown bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the body is larger than the limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the body is not `application/json` */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the portal failed; nothing internal is revealed */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description a dependency is busy; try again */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    build: {
        parameters: {
            query?: never;
            header?: {
                /** @description a repeated key answers the original job */
                "Idempotency-Key"?: string | null;
            };
            path: {
                id: string;
                /** @description A version number, `latest` or `main`. */
                v: string;
            };
            cookie?: never;
        };
        /** @description none, or `{}` */
        requestBody?: {
            content: {
                "application/json": null | components["schemas"]["NoParams"];
            };
        };
        responses: {
            /** @description the Idempotency-Key was used before: the original job */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Job"];
                };
            };
            /** @description the job was started */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Job"];
                };
            };
            /** @description a malformed path or query parameter, or malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description missing or unknown bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the body is larger than the limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the body is not `application/json` */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the portal failed; nothing internal is revealed */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description a dependency is busy; try again */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    list_jobs: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
                /** @description A version number, `latest` or `main`. */
                v: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["JobList"];
                };
            };
            /** @description a malformed path or query parameter, or malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description missing or unknown bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the portal failed; nothing internal is revealed */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description a dependency is busy; try again */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    release: {
        parameters: {
            query?: never;
            header?: {
                /** @description a repeated key answers the original job */
                "Idempotency-Key"?: string | null;
            };
            path: {
                id: string;
                /** @description A version number, `latest` or `main`. */
                v: string;
            };
            cookie?: never;
        };
        /** @description none, or `{}` */
        requestBody?: {
            content: {
                "application/json": null | components["schemas"]["NoParams"];
            };
        };
        responses: {
            /** @description the Idempotency-Key was used before: the original job */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Job"];
                };
            };
            /** @description the job was started */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Job"];
                };
            };
            /** @description a malformed path or query parameter, or malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description missing or unknown bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the body is larger than the limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the body is not `application/json` */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the portal failed; nothing internal is revealed */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description a dependency is busy; try again */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    releases: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
                /** @description A version number, `latest` or `main`. */
                v: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ReleaseList"];
                };
            };
            /** @description a malformed path or query parameter, or malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description missing or unknown bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the portal failed; nothing internal is revealed */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description a dependency is busy; try again */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    rollback: {
        parameters: {
            query?: never;
            header?: {
                "Idempotency-Key"?: string | null;
            };
            path: {
                id: string;
                /** @description A version number, `latest` or `main`. */
                v: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["RollbackBody"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Job"];
                };
            };
            /** @description production switches back when the job is done */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Job"];
                };
            };
            /** @description a malformed path or query parameter, or malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description missing or unknown bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the body is larger than the limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the body is not `application/json` */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the portal failed; nothing internal is revealed */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description a dependency is busy; try again */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_step: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
                /** @description vcs, application, auth, individual, execution or type-specific. */
                step: string;
                /** @description A version number, `latest` or `main`. */
                v: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["StepView"];
                };
            };
            /** @description a malformed path or query parameter, or malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description missing or unknown bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the portal failed; nothing internal is revealed */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description a dependency is busy; try again */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    put_step: {
        parameters: {
            query?: never;
            header?: {
                /** @description the version's revision */
                "If-Match"?: string | null;
            };
            path: {
                id: string;
                /** @description vcs, application, auth, individual, execution or type-specific. */
                step: string;
                /** @description A version number, `latest` or `main`. */
                v: string;
            };
            cookie?: never;
        };
        /** @description the step's fields; the step is chosen by the path */
        requestBody: {
            content: {
                "application/json": components["schemas"]["StepBody"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["StepView"];
                };
            };
            /** @description a malformed path or query parameter, or malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description missing or unknown bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            405: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the body is larger than the limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the body is not `application/json` */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the portal failed; nothing internal is revealed */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description a dependency is busy; try again */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    sync_dev: {
        parameters: {
            query?: never;
            header?: {
                /** @description a repeated key answers the original job */
                "Idempotency-Key"?: string | null;
            };
            path: {
                id: string;
                /** @description A version number, `latest` or `main`. */
                v: string;
            };
            cookie?: never;
        };
        /** @description none, or `{}` */
        requestBody?: {
            content: {
                "application/json": null | components["schemas"]["NoParams"];
            };
        };
        responses: {
            /** @description the Idempotency-Key was used before: the original job */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Job"];
                };
            };
            /** @description the job was started */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Job"];
                };
            };
            /** @description a malformed path or query parameter, or malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description missing or unknown bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the body is larger than the limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the body is not `application/json` */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the portal failed; nothing internal is revealed */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description a dependency is busy; try again */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    sync_prod: {
        parameters: {
            query?: never;
            header?: {
                "Idempotency-Key"?: string | null;
            };
            path: {
                id: string;
                /** @description A version number, `latest` or `main`. */
                v: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SyncProdBody"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Job"];
                };
            };
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Job"];
                };
            };
            /** @description a malformed path or query parameter, or malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description missing or unknown bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the body is larger than the limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the body is not `application/json` */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the portal failed; nothing internal is revealed */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description a dependency is busy; try again */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    sync_runtime: {
        parameters: {
            query?: never;
            header?: {
                /** @description a repeated key answers the original job */
                "Idempotency-Key"?: string | null;
            };
            path: {
                id: string;
                /** @description A version number, `latest` or `main`. */
                v: string;
            };
            cookie?: never;
        };
        /** @description none, or `{}` */
        requestBody?: {
            content: {
                "application/json": null | components["schemas"]["NoParams"];
            };
        };
        responses: {
            /** @description the Idempotency-Key was used before: the original job */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Job"];
                };
            };
            /** @description the job was started */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Job"];
                };
            };
            /** @description a malformed path or query parameter, or malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description missing or unknown bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the body is larger than the limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the body is not `application/json` */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the portal failed; nothing internal is revealed */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description a dependency is busy; try again */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    transitions: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
                /** @description A version number, `latest` or `main`. */
                v: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TransitionList"];
                };
            };
            /** @description a malformed path or query parameter, or malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description missing or unknown bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the portal failed; nothing internal is revealed */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description a dependency is busy; try again */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    unrelease: {
        parameters: {
            query?: never;
            header?: {
                /** @description a repeated key answers the original job */
                "Idempotency-Key"?: string | null;
            };
            path: {
                id: string;
                /** @description A version number, `latest` or `main`. */
                v: string;
            };
            cookie?: never;
        };
        /** @description none, or `{}` */
        requestBody?: {
            content: {
                "application/json": null | components["schemas"]["NoParams"];
            };
        };
        responses: {
            /** @description the Idempotency-Key was used before: the original job */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Job"];
                };
            };
            /** @description the job was started */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Job"];
                };
            };
            /** @description a malformed path or query parameter, or malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description missing or unknown bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the body is larger than the limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the body is not `application/json` */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the portal failed; nothing internal is revealed */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description a dependency is busy; try again */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    test_vcs: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
                /** @description A version number, `latest` or `main`. */
                v: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description `ok` says whether the branch can be read; `reason` why not */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["VcsTestView"];
                };
            };
            /** @description a malformed path or query parameter, or malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description missing or unknown bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the portal failed; nothing internal is revealed */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description a dependency is busy; try again */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    dead_letters: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DeadLetterList"];
                };
            };
            /** @description a malformed path or query parameter, or malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description missing or unknown bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the portal failed; nothing internal is revealed */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description a dependency is busy; try again */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_job: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                job: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Job"];
                };
            };
            /** @description a malformed path or query parameter, or malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description missing or unknown bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the portal failed; nothing internal is revealed */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description a dependency is busy; try again */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    cancel_job: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                job: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Job"];
                };
            };
            /** @description a malformed path or query parameter, or malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description missing or unknown bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the portal failed; nothing internal is revealed */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description a dependency is busy; try again */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    job_log: {
        parameters: {
            query?: {
                /** @description From a previous answer's `next_cursor`: only lines after it. */
                cursor?: string;
                /** @description 1–1000, default 500. */
                limit?: number;
            };
            header?: never;
            path: {
                job: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["JobLogPage"];
                };
            };
            /** @description a malformed path or query parameter, or malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description missing or unknown bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the portal failed; nothing internal is revealed */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description a dependency is busy; try again */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    retry_job: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                job: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description a new job for the same step */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Job"];
                };
            };
            /** @description a malformed path or query parameter, or malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description missing or unknown bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the portal failed; nothing internal is revealed */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description a dependency is busy; try again */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    me: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MeView"];
                };
            };
            /** @description a malformed path or query parameter, or malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the portal failed; nothing internal is revealed */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description a dependency is busy; try again */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    list_organizations: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OrganizationList"];
                };
            };
            /** @description a malformed path or query parameter, or malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the portal failed; nothing internal is revealed */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description a dependency is busy; try again */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    create_organization: {
        parameters: {
            query?: never;
            header?: {
                /** @description a retry with the same key and body answers 200 with what the first request made; another body: 422 `idempotency_key_reused` */
                "Idempotency-Key"?: string | null;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateOrganizationBody"];
            };
        };
        responses: {
            /** @description the Idempotency-Key was used before: what that request made */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OrganizationView"];
                };
            };
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OrganizationView"];
                };
            };
            /** @description a malformed path or query parameter, or malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description missing or unknown bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the body is larger than the limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the body is not `application/json` */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the portal failed; nothing internal is revealed */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description a dependency is busy; try again */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    add_member: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["AddMemberBody"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Membership"];
                };
            };
            /** @description a malformed path or query parameter, or malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description missing or unknown bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the body is larger than the limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the body is not `application/json` */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the portal failed; nothing internal is revealed */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description a dependency is busy; try again */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    projects: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ProjectList"];
                };
            };
            /** @description a malformed path or query parameter, or malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description missing or unknown bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the portal failed; nothing internal is revealed */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description a dependency is busy; try again */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    add_project: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["NewProjectBody"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Project"];
                };
            };
            /** @description a malformed path or query parameter, or malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description missing or unknown bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description not a platform admin */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the body is larger than the limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the body is not `application/json` */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description an invalid or taken id, an unknown account, or a blank name */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the portal failed; nothing internal is revealed */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description a dependency is busy; try again */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    list_runs: {
        parameters: {
            query?: {
                connector_id?: string;
                cursor?: string;
                /** @description RFC 3339: runs created at or after. */
                from?: string;
                limit?: number;
                process_id?: string;
                site_id?: string;
                /** @description `queued`, `running`, `succeeded`, `failed`, `cancelled` or `timed-out`. */
                status?: string;
                /** @description RFC 3339: runs created before. */
                to?: string;
                version?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RunPage"];
                };
            };
            /** @description a malformed path or query parameter, or malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description missing or unknown bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the portal failed; nothing internal is revealed */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description a dependency is busy; try again */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_run: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RunView"];
                };
            };
            /** @description a malformed path or query parameter, or malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description missing or unknown bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the portal failed; nothing internal is revealed */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description a dependency is busy; try again */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    cancel: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description the stop was requested (a queued run is cancelled at once) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RunView"];
                };
            };
            /** @description a malformed path or query parameter, or malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description missing or unknown bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the portal failed; nothing internal is revealed */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description a dependency is busy; try again */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    logs: {
        parameters: {
            query?: {
                cursor?: string;
                /** @description RFC 3339: entries at or after. */
                from?: string;
                limit?: number;
                /** @description Keep this level and worse: 0…7, `success` or `report` (e.g. `3` = error and worse). */
                min_level?: string;
                /** @description Text the message contains (case-insensitive). */
                q?: string;
                /** @description RFC 3339: entries before. */
                to?: string;
                /** @description Connector-wide logs only: one version. */
                version?: number;
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description a page (JSON); with `Accept: application/x-ndjson` or `text/plain` every matching entry as a download */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["LogPage"];
                    "application/x-ndjson": string;
                    "text/plain": string;
                };
            };
            /** @description a malformed path or query parameter, or malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description missing or unknown bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the portal failed; nothing internal is revealed */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description a dependency is busy; try again */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    output: {
        parameters: {
            query?: {
                cursor?: string;
                limit?: number;
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OutputPage"];
                };
            };
            /** @description a malformed path or query parameter, or malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description missing or unknown bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the portal failed; nothing internal is revealed */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description a dependency is busy; try again */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    stdio: {
        parameters: {
            query?: {
                cursor?: string;
                limit?: number;
                /** @description `stdout` or `stderr`; both when absent. */
                stream?: string;
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["StdioPage"];
                };
            };
            /** @description a malformed path or query parameter, or malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description missing or unknown bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the portal failed; nothing internal is revealed */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description a dependency is busy; try again */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    sites: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SiteList"];
                };
            };
            /** @description a malformed path or query parameter, or malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description missing or unknown bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the portal failed; nothing internal is revealed */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description a dependency is busy; try again */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    add_site: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["NewSiteBody"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Site"];
                };
            };
            /** @description a malformed path or query parameter, or malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description missing or unknown bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description not a platform admin */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the body is larger than the limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the body is not `application/json` */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description an invalid or taken id, an unknown project, or a blank name */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the portal failed; nothing internal is revealed */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description a dependency is busy; try again */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    start: {
        parameters: {
            query?: never;
            header?: {
                /** @description a repeated key answers the original run */
                "Idempotency-Key"?: string | null;
            };
            path: {
                /** @description e.g. `dev-acme` or a production site's id. */
                site: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["StartRunBody"];
            };
        };
        responses: {
            /** @description the Idempotency-Key was used before */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RunView"];
                };
            };
            /** @description the run is queued */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RunView"];
                };
            };
            /** @description a malformed path or query parameter, or malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description missing or unknown bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the body is larger than the limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the body is not `application/json` */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the portal failed; nothing internal is revealed */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description a dependency is busy; try again */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    list_tokens: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TokenList"];
                };
            };
            /** @description a malformed path or query parameter, or malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the portal failed; nothing internal is revealed */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description a dependency is busy; try again */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    create_token: {
        parameters: {
            query?: never;
            header?: {
                /** @description a retry with the same key and body answers 200 with what the first request made; another body: 422 `idempotency_key_reused` */
                "Idempotency-Key"?: string | null;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateTokenBody"];
            };
        };
        responses: {
            /** @description the Idempotency-Key was used before: what that request made */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CreatedToken"];
                };
            };
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CreatedToken"];
                };
            };
            /** @description a malformed path or query parameter, or malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description missing or unknown bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description a read-scoped token (`insufficient_scope`) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `quota_exceeded`: the user holds the most tokens allowed */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the body is larger than the limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the body is not `application/json` */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the portal failed; nothing internal is revealed */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description a dependency is busy; try again */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    revoke_token: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The token's id (never its secret). */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description a malformed path or query parameter, or malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description missing or unknown bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the portal failed; nothing internal is revealed */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description a dependency is busy; try again */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    create_user: {
        parameters: {
            query?: never;
            header?: {
                /** @description a retry with the same key and body answers 200 with what the first request made; another body: 422 `idempotency_key_reused` */
                "Idempotency-Key"?: string | null;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateUserBody"];
            };
        };
        responses: {
            /** @description the Idempotency-Key was used before: what that request made */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CreatedUser"];
                };
            };
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CreatedUser"];
                };
            };
            /** @description a malformed path or query parameter, or malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description missing or unknown bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the body is larger than the limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the body is not `application/json` */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the portal failed; nothing internal is revealed */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description a dependency is busy; try again */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    list_vault: {
        parameters: {
            query?: {
                org_id?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["VaultList"];
                };
            };
            /** @description a malformed path or query parameter, or malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description missing or unknown bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the portal failed; nothing internal is revealed */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description a dependency is busy; try again */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    put: {
        parameters: {
            query?: {
                org_id?: string;
            };
            header?: never;
            path: {
                /** @description e.g. `shops/acme/api`. */
                path: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["VaultBody"];
            };
        };
        responses: {
            /** @description stored; values are never answered */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["VaultEntryView"];
                };
            };
            /** @description a malformed path or query parameter, or malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description missing or unknown bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the body is larger than the limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the body is not `application/json` */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the portal failed; nothing internal is revealed */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description a dependency is busy; try again */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    delete: {
        parameters: {
            query?: {
                org_id?: string;
            };
            header?: never;
            path: {
                /** @description e.g. `shops/acme/api`. */
                path: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description deleted */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description a malformed path or query parameter, or malformed JSON */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description missing or unknown bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the portal failed; nothing internal is revealed */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description a dependency is busy; try again */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
}
