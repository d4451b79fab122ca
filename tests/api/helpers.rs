use std::path::Path;
use std::time::Duration;

use actix_web::http::{Method, StatusCode, header::HeaderMap};
use serde_json::{Value, json};
use techmatch::app::Application;
use techmatch::config::{self, Environment, Settings};
use techmatch_domain::{
    DisplayName, EmailAddress, JoinCode, NewPassword, OrganizationId, OrganizationKind, OrganizationName, RegionCode,
    Role,
};
use techmatch_service::{NewUserByAdmin, Services};
use techmatch_store::NewOrganization;
use techmatch_store::testing::TestDatabase;

pub const PASSWORD: &str = "correct horse battery";

pub struct TestApp {
    pub address: String,
    pub client: awc::Client,
    pub services: Services,
    pub store: techmatch_store::Store,
    pub settings: Settings,
    pub backend: &'static str,
    handle: actix_web::dev::ServerHandle,
    _database: TestDatabase,
    _index_directory: tempfile::TempDir,
}

pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl TestResponse {
    pub fn error_code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or_else(|| panic!("no error code in {} {}", self.status, self.body))
    }

    #[track_caller]
    pub fn assert_error(&self, status: StatusCode, code: &str) {
        assert_eq!(self.status, status, "body: {}", self.body);
        assert_eq!(self.error_code(), code, "body: {}", self.body);
    }
}

pub fn test_settings(database: &TestDatabase) -> Settings {
    let config_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
    let mut settings = config::load(&config_dir, &Environment::named("development"), Vec::new()).unwrap();
    settings.server.listen = "127.0.0.1:0".to_owned();
    settings.server.workers = 2;
    settings.database = database.settings.clone();
    settings.log.filter = "warn".to_owned();
    // A write waits for the index at most this long and returns as soon as it is searchable.
    // The shipped 2 s can pass on a loaded machine before the indexer gets a core; tests that
    // search their own writes would then be asserting timing.
    settings.search.visibility_wait_ms = 20_000;
    settings
}

impl TestApp {
    pub async fn spawn(database: TestDatabase) -> TestApp {
        TestApp::spawn_with(database, |_| {}).await
    }

    pub async fn spawn_with(database: TestDatabase, adjust: impl FnOnce(&mut Settings)) -> TestApp {
        let mut settings = test_settings(&database);
        let index_directory = tempfile::tempdir().unwrap();
        settings.search.index_dir = index_directory.path().join("index");
        adjust(&mut settings);
        let application = Application::build(settings.clone()).await.expect("application starts");
        let address = format!("http://{}", application.address());
        let services = application.services().clone();
        let store = application.store().clone();
        let handle = application.server_handle();
        actix_web::rt::spawn(application.run());
        let client = awc::Client::builder().timeout(Duration::from_secs(30)).finish();
        TestApp {
            address,
            client,
            services,
            store,
            settings,
            backend: database.label,
            handle,
            _database: database,
            _index_directory: index_directory,
        }
    }

    /// One app per configured backend: SQLite always, PostgreSQL when configured.
    pub async fn each_backend() -> Vec<TestApp> {
        let mut apps = Vec::new();
        for database in TestDatabase::all().await {
            apps.push(TestApp::spawn(database).await);
        }
        apps
    }

    /// Waits until this node's index holds every stored change. Writers find their own writes
    /// at once; everyone else after the indexer's next commit, which is what this waits for.
    pub async fn index_settled(&self) {
        let latest = self.services.search.store().latest_outbox_id().await.unwrap();
        self.services.search.wait_until_searchable(latest).await;
        assert!(self.services.search.position() >= latest, "the index did not catch up within the wait");
    }

    pub async fn stop(self) {
        self.handle.stop(true).await;
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> TestResponse {
        let mut request = self.client.request(method, self.url(path));
        if let Some(token) = token {
            request = request.insert_header(("Authorization", format!("Bearer {token}")));
        }
        if let Some(content_type) = content_type {
            request = request.insert_header(("Content-Type", content_type));
        }
        let mut response = request.send_body(body).await.expect("request sent");
        let bytes = response.body().limit(4 * 1024 * 1024).await.expect("response body");
        let calendar =
            response.headers().get("content-type").and_then(|value| value.to_str().ok()).is_some_and(|value| {
                ["text/calendar", "text/html", "application/vnd.openxmlformats"]
                    .iter()
                    .any(|kind| value.starts_with(kind))
            });
        let body = if bytes.is_empty() {
            Value::Null
        } else if calendar {
            // Deliberate non-JSON answers: iCalendar agendas and printable or spreadsheet schedules.
            Value::String(String::from_utf8_lossy(&bytes).into_owned())
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| panic!("non-json body: {}", String::from_utf8_lossy(&bytes)))
        };
        TestResponse { status: response.status(), headers: response.headers().clone(), body }
    }

    /// A GET whose body is not JSON (file downloads): status, headers and bytes.
    pub async fn download(&self, path: &str, token: Option<&str>) -> (StatusCode, HeaderMap, Vec<u8>) {
        let mut request = self.client.get(self.url(path));
        if let Some(token) = token {
            request = request.insert_header(("Authorization", format!("Bearer {token}")));
        }
        let mut response = request.send().await.expect("request sent");
        let bytes = response.body().limit(64 * 1024 * 1024).await.expect("response body");
        (response.status(), response.headers().clone(), bytes.to_vec())
    }

    /// A page request as a browser sends it: cookies, a language, an optional form body.
    /// Redirects are not followed. Answers status, headers and the body as text.
    pub async fn page(
        &self,
        method: Method,
        path: &str,
        cookies: &str,
        accept_language: Option<&str>,
        form: Option<&str>,
    ) -> (StatusCode, HeaderMap, String) {
        // A browser would follow the redirect; the tests look at it.
        let client = awc::Client::builder().disable_redirects().finish();
        let mut request = client.request(method, self.url(path));
        if !cookies.is_empty() {
            request = request.insert_header(("Cookie", cookies.to_owned()));
        }
        if let Some(language) = accept_language {
            request = request.insert_header(("Accept-Language", language.to_owned()));
        }
        let mut response = match form {
            Some(form) => request
                .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
                .send_body(form.to_owned())
                .await
                .expect("request sent"),
            None => request.send().await.expect("request sent"),
        };
        let bytes = response.body().limit(4 * 1024 * 1024).await.expect("response body");
        (response.status(), response.headers().clone(), String::from_utf8_lossy(&bytes).into_owned())
    }

    pub async fn send(&self, method: Method, path: &str, token: Option<&str>, body: Option<&Value>) -> TestResponse {
        match body {
            Some(body) => {
                self.raw(method, path, token, Some("application/json"), serde_json::to_vec(body).unwrap()).await
            }
            None => self.raw(method, path, token, None, Vec::new()).await,
        }
    }

    /// A JSON POST with extra headers (a forwarded-for chain, say).
    pub async fn post_with_headers(
        &self,
        path: &str,
        token: Option<&str>,
        body: &Value,
        headers: &[(&str, &str)],
    ) -> TestResponse {
        let mut request = self.client.post(self.url(path)).insert_header(("Content-Type", "application/json"));
        if let Some(token) = token {
            request = request.insert_header(("Authorization", format!("Bearer {token}")));
        }
        for (name, value) in headers {
            request = request.insert_header((*name, *value));
        }
        let mut response = request.send_body(serde_json::to_vec(body).unwrap()).await.expect("request sent");
        let bytes = response.body().limit(4 * 1024 * 1024).await.expect("response body");
        let body = if bytes.is_empty() { Value::Null } else { serde_json::from_slice(&bytes).unwrap() };
        TestResponse { status: response.status(), headers: response.headers().clone(), body }
    }

    /// One app per configured backend, each with adjusted settings.
    pub async fn each_backend_with(adjust: impl Fn(&mut Settings)) -> Vec<TestApp> {
        let mut apps = Vec::new();
        for database in TestDatabase::all().await {
            apps.push(TestApp::spawn_with(database, &adjust).await);
        }
        apps
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> TestResponse {
        self.send(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> TestResponse {
        self.send(Method::POST, path, token, Some(body)).await
    }

    pub async fn patch(&self, path: &str, token: Option<&str>, body: &Value) -> TestResponse {
        self.send(Method::PATCH, path, token, Some(body)).await
    }

    /// Registers a researcher at a new university (or a company user at a new company).
    pub async fn register(&self, email: &str, role: &str, organization_name: &str) -> TestResponse {
        let kind = if role == "company" { "company" } else { "university" };
        self.post(
            "/api/v1/auth/register",
            None,
            &json!({
                "email": email,
                "password": PASSWORD,
                "display_name": "测试用户 Test User",
                "role": role,
                "organization": {"name": organization_name, "kind": kind, "region_code": "330106"},
            }),
        )
        .await
    }

    pub async fn login(&self, email: &str, password: &str) -> TestResponse {
        self.post("/api/v1/auth/login", None, &json!({"email": email, "password": password})).await
    }

    pub async fn token(&self, email: &str, password: &str) -> String {
        let response = self.login(email, password).await;
        assert_eq!(response.status, StatusCode::OK, "{}: {}", self.backend, response.body);
        response.body["access_token"].as_str().unwrap().to_owned()
    }

    /// A transfer agency (where brokers work), made the operator's way.
    pub async fn agency(&self, name: &str) -> OrganizationId {
        self.store
            .ensure_organization(NewOrganization {
                name: OrganizationName::parse("name", name).unwrap(),
                kind: OrganizationKind::Agency,
                region_code: RegionCode::parse("region", "420111").unwrap(),
                join_code: JoinCode::from_trusted(format!("AG{:X}", {
                    use std::hash::{BuildHasher, RandomState};
                    RandomState::new().hash_one(name)
                })),
            })
            .await
            .unwrap()
            .id
    }

    /// An account of any role created the operator's way; returns a token for it.
    pub async fn account_with_role(&self, role: Role, email: &str) -> String {
        let organization_id = match role {
            Role::Researcher | Role::Company => {
                let role_name = role.as_str();
                let founder = format!("founder-{email}");
                let registered = self.register(&founder, role_name, &format!("机构 {email}")).await;
                assert_eq!(registered.status, StatusCode::CREATED, "{}", registered.body);
                return self.token(&founder, PASSWORD).await;
            }
            // Brokers work at a transfer agency, which only the operator's way creates.
            Role::Broker => Some(self.agency(&format!("技术转移中心 {email}")).await),
            Role::LiaisonOfficer | Role::Admin => None,
        };
        self.services
            .accounts
            .create_user_as_operator(NewUserByAdmin {
                email: EmailAddress::parse("email", email).unwrap(),
                password: Some(NewPassword::parse("password", PASSWORD, None).unwrap()),
                display_name: DisplayName::parse("name", "职员 Staff").unwrap(),
                role,
                organization_id,
            })
            .await
            .unwrap();
        self.token(email, PASSWORD).await
    }
}

/// The (need id, result id) pairs of a suggestion queue's answer, in its order (panics on an
/// answer of another shape, so that "no pairs" is never a misread answer).
pub fn suggested_pairs(queue: &Value) -> Vec<(i64, i64)> {
    let items = queue["items"].as_array().unwrap_or_else(|| panic!("not a suggestion queue: {queue}"));
    items.iter().map(|item| (item["need"]["id"].as_i64().unwrap(), item["result"]["id"].as_i64().unwrap())).collect()
}
