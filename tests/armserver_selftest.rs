//! The loopback ARM server (tests/armserver) tested over raw HTTP/1.1, so that what the live collector's
//! tests rely on is known to hold: the token flow, paging, gaps, extension resources, role assignment
//! scopes, throttling, faults and the request records.

mod armserver;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use armserver::{ArmServer, Bucket, Config, Estate, Fault, FaultKind};
use serde_json::{Value, json};

const SUB_A: &str = "11111111-1111-1111-1111-111111111111";
const SUB_B: &str = "22222222-2222-2222-2222-222222222222";
const SUB_C: &str = "33333333-3333-3333-3333-333333333333";
const API: &str = "api-version=2023-07-01";

/// A blocking HTTP/1.1 client on one keep-alive connection.
struct Client {
    reader: BufReader<TcpStream>,
    host: String,
}

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// What Content-Length announced.
    content_length: usize,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.text()))
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn error_code(&self) -> String {
        self.json()["error"]["code"].as_str().unwrap_or_default().to_owned()
    }
}

impl Client {
    fn connect(server: &ArmServer) -> Client {
        let host = server.url().trim_start_matches("http://").to_owned();
        let stream = TcpStream::connect(&host).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        Client { reader: BufReader::new(stream), host }
    }

    fn with_read_timeout(self, timeout: Duration) -> Client {
        self.reader.get_ref().set_read_timeout(Some(timeout)).unwrap();
        self
    }

    /// Sends a request and reads the response: its headers, then Content-Length bytes of body or as many
    /// as arrive before the connection closes.
    fn send(&mut self, method: &str, target: &str, headers: &[(&str, &str)], body: &[u8]) -> std::io::Result<Response> {
        let mut head =
            format!("{method} {target} HTTP/1.1\r\nHost: {}\r\nContent-Length: {}\r\n", self.host, body.len());
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        let stream = self.reader.get_mut();
        stream.write_all(head.as_bytes())?;
        stream.write_all(body)?;

        let mut status_line = String::new();
        self.reader.read_line(&mut status_line)?;
        let status = status_line.split(' ').nth(1).and_then(|s| s.parse().ok()).ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::UnexpectedEof, format!("no status line: {status_line:?}"))
        })?;
        let mut headers = Vec::new();
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line)?;
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            let (name, value) = line.split_once(':').unwrap();
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
        let content_length = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
            .map_or(0, |(_, v)| v.parse().unwrap());
        let mut body = Vec::new();
        (&mut self.reader).take(content_length as u64).read_to_end(&mut body)?;
        Ok(Response { status, headers, body, content_length })
    }

    fn get(&mut self, token: &str, target: &str) -> Response {
        self.send("GET", target, &[("Authorization", &format!("Bearer {token}"))], b"").unwrap()
    }

    /// A token by the client-credentials flow, as azure_identity asks for it.
    fn token(&mut self, config: &Config) -> String {
        let body = format!(
            "grant_type=client_credentials&client_id={}&client_secret={}&scope=https%3A%2F%2Fmanagement.azure.com%2F.default",
            config.client_id, config.client_secret
        );
        let response = self.post_token(&config.tenant_id, &body);
        assert_eq!(response.status, 200, "{}", response.text());
        let token = response.json();
        assert_eq!(token["token_type"], "Bearer");
        assert_eq!(token["expires_in"], 3599);
        token["access_token"].as_str().unwrap().to_owned()
    }

    fn post_token(&mut self, tenant: &str, body: &str) -> Response {
        let headers = [("Content-Type", "application/x-www-form-urlencoded")];
        self.send("POST", &format!("/{tenant}/oauth2/v2.0/token"), &headers, body.as_bytes()).unwrap()
    }
}

fn sub_json(id: &str, name: &str) -> Value {
    json!({"subscriptionId": id, "displayName": name, "state": "Enabled", "tenantId": "00000000-0000-0000-0000-0000000000aa"})
}

fn rg(sub: &str, group: &str) -> String {
    format!("/subscriptions/{sub}/resourceGroups/{group}")
}

fn registry(sub: &str, group: &str, name: &str) -> Value {
    json!({
        "id": format!("{}/providers/Microsoft.ContainerRegistry/registries/{name}", rg(sub, group)),
        "type": "Microsoft.ContainerRegistry/registries",
        "name": name,
        "location": "japaneast",
        "properties": {"adminUserEnabled": false}
    })
}

fn vault(sub: &str, group: &str, name: &str) -> Value {
    json!({
        "id": format!("{}/providers/Microsoft.KeyVault/vaults/{name}", rg(sub, group)),
        "type": "Microsoft.KeyVault/vaults",
        "name": name,
        "location": "japaneast",
        "properties": {"enableRbacAuthorization": true}
    })
}

fn child(parent: &Value, collection: &str, kind: &str, name: &str) -> Value {
    json!({
        "id": format!("{}/{collection}/{name}", parent["id"].as_str().unwrap()),
        "type": format!("{}/{kind}", parent["type"].as_str().unwrap()),
        "name": name,
        "properties": {}
    })
}

fn diagnostic_setting(parent: &Value, name: &str) -> Value {
    json!({
        "id": format!("{}/providers/microsoft.insights/diagnosticSettings/{name}", parent["id"].as_str().unwrap()),
        "type": "Microsoft.Insights/diagnosticSettings",
        "name": name,
        "properties": {"logs": [{"categoryGroup": "audit", "enabled": true}]}
    })
}

fn role_assignment(scope: &str, name: &str, role: &str) -> Value {
    let prefix = if scope == "/" { "" } else { scope };
    json!({
        "id": format!("{prefix}/providers/Microsoft.Authorization/roleAssignments/{name}"),
        "type": "Microsoft.Authorization/roleAssignments",
        "name": name,
        "properties": {
            "roleDefinitionId": format!("/providers/Microsoft.Authorization/roleDefinitions/{role}"),
            "principalId": "44444444-4444-4444-4444-444444444444",
            "principalType": "ServicePrincipal",
            "scope": scope
        }
    })
}

/// The names in a list response's `value`.
fn names(list: &Value) -> Vec<String> {
    list["value"].as_array().unwrap().iter().map(|item| item["name"].as_str().unwrap().to_owned()).collect()
}

/// The path and query of a nextLink on this server.
fn relative(server: &ArmServer, link: &Value) -> String {
    link.as_str().unwrap().strip_prefix(&server.url()).unwrap().to_owned()
}

#[test]
fn token_flow_then_paged_subscriptions_on_one_connection() {
    let estate = Estate::new(vec![sub_json(SUB_A, "a"), sub_json(SUB_B, "b"), sub_json(SUB_C, "c")], vec![]);
    let config = Config { page_size: 2, ..Config::default() };
    let server = ArmServer::start(estate, config.clone());
    let mut client = Client::connect(&server);

    let wrong = format!(
        "grant_type=client_credentials&client_id={}&client_secret=not-the-secret&scope=x%2F.default",
        config.client_id
    );
    let refused = client.post_token(&config.tenant_id, &wrong);
    assert_eq!(refused.status, 401);
    assert_eq!(refused.json()["error"], "invalid_client");
    assert!(refused.json()["error_description"].as_str().unwrap().starts_with("AADSTS7000215:"));
    assert!(!refused.text().contains("not-the-secret"), "the secret is echoed: {}", refused.text());
    assert_eq!(client.post_token("another-tenant", &wrong).json()["error"], "invalid_tenant");

    let token = client.token(&config);
    let first = client.get(&token, &format!("/subscriptions?{API}"));
    assert_eq!(first.status, 200, "{}", first.text());
    assert_eq!(first.header("content-type"), Some("application/json; charset=utf-8"));
    assert!(first.header("x-ms-request-id").is_some());
    assert!(first.header("x-ms-correlation-request-id").is_some());
    assert_eq!(first.header("x-ms-ratelimit-remaining-tenant-reads"), Some("11999"));
    let first = first.json();
    assert_eq!(first["value"].as_array().unwrap().len(), 2);
    assert_eq!(first["value"][0]["subscriptionId"], SUB_A);
    assert_eq!(first["value"][0]["id"], format!("/subscriptions/{SUB_A}"));
    assert_eq!(first["value"][0]["authorizationSource"], "RoleBased");
    assert_eq!(first["count"], json!({"type": "Total", "value": 3}));
    let next = relative(&server, &first["nextLink"]);
    assert!(next.starts_with(&format!("/subscriptions?{API}&$skiptoken=")), "{next}");

    let second = client.get(&token, &next).json();
    assert_eq!(second["value"].as_array().unwrap().len(), 1);
    assert_eq!(second["value"][0]["subscriptionId"], SUB_C);
    assert!(second.get("nextLink").is_none());

    let one = client.get(&token, &format!("/SUBSCRIPTIONS/{SUB_B}?{API}"));
    assert_eq!(one.status, 200);
    assert_eq!(one.json()["displayName"], "b");
    assert_eq!(one.header("x-ms-ratelimit-remaining-subscription-reads"), Some("11999"));
    let missing = client.get(&token, &format!("/subscriptions/99999999-9999-9999-9999-999999999999?{API}"));
    assert_eq!((missing.status, missing.error_code().as_str()), (404, "SubscriptionNotFound"));

    let stats = server.stats();
    assert_eq!(stats.requests, 7);
    assert_eq!(stats.token_requests, 3);
    assert_eq!((stats.connections_accepted, stats.max_open_connections), (1, 1));
    assert_eq!(stats.non_get, 0);
    let requests = server.requests();
    let arm: Vec<_> = requests.iter().filter(|r| r.method == "GET").collect();
    assert_eq!(arm.len(), 4);
    assert!(arm.iter().all(|r| r.authorization.as_deref() == Some(format!("Bearer {token}").as_str())));
    assert_eq!(arm[0].path, "/subscriptions");
    assert_eq!(arm[0].query, API);
    assert_eq!(arm[2].subscription.as_deref(), Some(SUB_B));
    assert!(requests.windows(2).all(|w| w[0].at <= w[1].at));

    server.reset_records();
    assert!(server.requests().is_empty());
    assert_eq!(server.stats(), armserver::Stats { max_open_connections: 1, ..Default::default() });
}

#[test]
fn requests_without_a_valid_token_or_api_version_are_refused() {
    let config = Config { token_lifetime: Some(Duration::from_millis(200)), ..Config::default() };
    let server = ArmServer::start(Estate::new(vec![sub_json(SUB_A, "a")], vec![]), config.clone());
    let mut client = Client::connect(&server);

    let anonymous = client.send("GET", &format!("/subscriptions?{API}"), &[], b"").unwrap();
    assert_eq!((anonymous.status, anonymous.error_code().as_str()), (401, "AuthenticationFailed"));
    assert!(anonymous.header("www-authenticate").unwrap().starts_with("Bearer authorization_uri="));
    let forged = client.get("not-a-token-of-ours", &format!("/subscriptions?{API}"));
    assert_eq!((forged.status, forged.error_code().as_str()), (401, "InvalidAuthenticationToken"));

    let token = client.token(&config);
    let unversioned = client.get(&token, "/subscriptions");
    assert_eq!((unversioned.status, unversioned.error_code().as_str()), (400, "MissingApiVersionParameter"));

    std::thread::sleep(Duration::from_millis(300));
    let expired = client.get(&token, &format!("/subscriptions?{API}"));
    assert_eq!((expired.status, expired.error_code().as_str()), (401, "ExpiredAuthenticationToken"));
    let message = expired.json()["error"]["message"].as_str().unwrap().to_owned();
    assert!(message.starts_with("The access token expiry UTC time '"), "{message}");
    let challenge = expired.header("www-authenticate").unwrap();
    assert!(challenge.contains(r#"error="invalid_token""#), "{challenge}");
    assert!(challenge.contains(r#"error_description="The access token has expired.""#), "{challenge}");
}

#[test]
fn snapshot_gaps_forbid_the_scope_but_the_subscription_is_still_listed() {
    let kept = registry(SUB_A, "rg-acr", "cr1");
    let gone_vault = format!("{}/providers/Microsoft.KeyVault/vaults/kv-old", rg(SUB_A, "rg-kv"));
    let snapshot = json!({
        "schema_version": "acr-audit.snapshot/v1",
        "subscriptions": [sub_json(SUB_A, "a"), sub_json(SUB_B, "b-forbidden")],
        "resources": [kept, vault(SUB_A, "rg-kv", "kv-a"), vault(SUB_A, "rg-kv", "kv-ab"), registry(SUB_C, "rg", "cr3")],
        "not_found": [gone_vault, "https://kv-a.vault.azure.net/keys/k-gone"],
        "gaps": [
            {"scope": format!("/subscriptions/{SUB_B}"), "reason": "403 AuthorizationFailed"},
            {"scope": format!("{}/providers/Microsoft.KeyVault/vaults/kv-a", rg(SUB_A, "rg-kv")), "reason": "403"}
        ],
        "coverage": {}
    });
    let config = Config::default();
    let server = ArmServer::start(Estate::from_snapshot(&snapshot), config.clone());
    let mut client = Client::connect(&server);
    let token = client.token(&config);

    let listed = client.get(&token, &format!("/subscriptions?{API}")).json();
    let ids: Vec<&str> =
        listed["value"].as_array().unwrap().iter().map(|s| s["subscriptionId"].as_str().unwrap()).collect();
    assert_eq!(ids, [SUB_A, SUB_B]);
    // A resource in a subscription the snapshot does not list is still served.
    let unlisted = client.get(
        &token,
        &format!("/subscriptions/{SUB_C}/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/cr3?{API}"),
    );
    assert_eq!(unlisted.status, 200);

    let registries = format!("/providers/Microsoft.ContainerRegistry/registries?{API}");
    let forbidden = client.get(&token, &format!("/subscriptions/{SUB_B}{registries}"));
    assert_eq!((forbidden.status, forbidden.error_code().as_str()), (403, "AuthorizationFailed"));
    let message = forbidden.json()["error"]["message"].as_str().unwrap().to_owned();
    assert!(message.contains("'Microsoft.ContainerRegistry/registries/read'"), "{message}");
    assert!(message.contains(&format!("The client '{}' with object id '{}'", config.client_id, config.object_id)));
    let allowed = client.get(&token, &format!("/subscriptions/{SUB_A}{registries}"));
    assert_eq!(allowed.status, 200);
    assert_eq!(names(&allowed.json()), ["cr1"]);

    // A gap on a vault covers the vault and what is below it, not a vault whose name extends it.
    let kv_a = format!("{}/providers/Microsoft.KeyVault/vaults/kv-a", rg(SUB_A, "rg-kv"));
    assert_eq!(client.get(&token, &format!("{kv_a}?{API}")).status, 403);
    assert_eq!(client.get(&token, &format!("{kv_a}/keys?{API}")).status, 403);
    assert_eq!(client.get(&token, &format!("{kv_a}b?{API}")).status, 200);

    let deleted =
        client.get(&token, &format!("/subscriptions/{SUB_A}/providers/Microsoft.KeyVault/deletedVaults?{API}"));
    let deleted = deleted.json();
    assert_eq!(deleted["value"].as_array().unwrap().len(), 1);
    let entry = &deleted["value"][0];
    assert_eq!(entry["name"], "kv-old");
    assert_eq!(entry["type"], "Microsoft.KeyVault/deletedVaults");
    assert_eq!(
        entry["id"],
        format!("/subscriptions/{SUB_A}/providers/Microsoft.KeyVault/locations/japaneast/deletedVaults/kv-old")
    );
    assert_eq!(entry["properties"]["vaultId"].as_str(), snapshot["not_found"][0].as_str());
    assert_eq!(entry["properties"]["purgeProtectionEnabled"], false);
    let old = client.get(&token, &format!("{}?{API}", snapshot["not_found"][0].as_str().unwrap()));
    assert_eq!((old.status, old.error_code().as_str()), (404, "ResourceNotFound"));

    let faults: Vec<_> = server.requests().into_iter().filter_map(|r| r.fault).collect();
    assert_eq!(faults, ["Forbidden", "Forbidden", "Forbidden"]);
}

#[test]
fn extension_resources_and_child_collections() {
    let cr1 = registry(SUB_A, "rg-acr", "cr1");
    let cr2 = registry(SUB_A, "rg-acr", "cr2");
    let kv = vault(SUB_A, "rg-kv", "kv1");
    let key = child(&kv, "keys", "keys", "cmk");
    let pe = json!({
        "id": format!("{}/providers/Microsoft.Network/privateEndpoints/pe1", rg(SUB_A, "rg-acr")),
        "type": "Microsoft.Network/privateEndpoints",
        "name": "pe1"
    });
    let resources = vec![
        diagnostic_setting(&cr1, "to-law"),
        diagnostic_setting(&cr1, "to-storage"),
        diagnostic_setting(&cr1, "to-hub"),
        child(&pe, "privateDnsZoneGroups", "privateDnsZoneGroups", "default"),
        child(&key, "versions", "versions", "v1"),
        child(&key, "versions", "versions", "v2"),
        child(&key, "versions", "versions", "v3"),
        cr1.clone(),
        cr2.clone(),
        kv.clone(),
        key.clone(),
        pe.clone(),
    ];
    let config = Config { page_size: 2, ..Config::default() };
    let server = ArmServer::start(Estate::new(vec![sub_json(SUB_A, "a")], resources), config.clone());
    let mut client = Client::connect(&server);
    let token = client.token(&config);
    let id = |v: &Value| v["id"].as_str().unwrap().to_owned();

    // Not paged, whatever the page size: ARM lists diagnostic settings whole.
    let diag = "/providers/Microsoft.Insights/diagnosticSettings";
    let settings = client.get(&token, &format!("{}{diag}?api-version=2021-05-01-preview", id(&cr1))).json();
    assert_eq!(names(&settings), ["to-law", "to-storage", "to-hub"]);
    assert!(settings.get("nextLink").is_none());
    assert_eq!(client.get(&token, &format!("{}{diag}?{API}", id(&cr2))).json(), json!({"value": []}));
    let missing = client.get(
        &token,
        &format!("{}{diag}?{API}", rg(SUB_A, "rg-acr") + "/providers/Microsoft.ContainerRegistry/registries/nope"),
    );
    assert_eq!((missing.status, missing.error_code().as_str()), (404, "ResourceNotFound"));

    let groups = client.get(&token, &format!("{}/privateDnsZoneGroups?{API}", id(&pe))).json();
    assert_eq!(names(&groups), ["default"]);
    let versions = client.get(&token, &format!("{}/versions?{API}", id(&key))).json();
    assert_eq!(names(&versions), ["v1", "v2"]);
    let rest = client.get(&token, &relative(&server, &versions["nextLink"])).json();
    assert_eq!(names(&rest), ["v3"]);
    assert_eq!(client.get(&token, &format!("{}/keys?{API}", id(&kv))).json()["value"][0]["name"], "cmk");
    assert_eq!(client.get(&token, &format!("{}/replications?{API}", id(&cr1))).json(), json!({"value": []}));

    // Lists by type hold only top-level resources of that type, across resource groups.
    let listed = client.get(&token, &format!("/subscriptions/{SUB_A}/providers/Microsoft.KeyVault/vaults?{API}"));
    assert_eq!(names(&listed.json()), ["kv1"]);
    let by_group = client
        .get(&token, &format!("{}/providers/microsoft.containerregistry/REGISTRIES?{API}", rg(SUB_A, "RG-ACR")))
        .json();
    assert_eq!(names(&by_group), ["cr1", "cr2"]);

    let got =
        client.get(&token, &format!("{}?{API}", id(&key).to_uppercase().replace("SUBSCRIPTIONS", "subscriptions")));
    assert_eq!(got.status, 200);
    assert_eq!(got.json(), key);
    let gone = client.get(&token, &format!("{}/keys/other?{API}", id(&kv)));
    assert_eq!((gone.status, gone.error_code().as_str()), (404, "ResourceNotFound"));
}

#[test]
fn role_assignments_at_scope_include_those_above_it() {
    let kv = vault(SUB_A, "rg-kv", "kv1");
    let kv_id = kv["id"].as_str().unwrap().to_owned();
    let reader = "21090545-7ca7-4776-b22c-e363652d74d2";
    let definition = json!({
        "id": format!("/subscriptions/{SUB_B}/providers/Microsoft.Authorization/roleDefinitions/{reader}"),
        "type": "Microsoft.Authorization/roleDefinitions",
        "name": reader,
        "properties": {"roleName": "Key Vault Reader"}
    });
    let resources = vec![
        kv,
        vault(SUB_A, "rg-kv", "kv2"),
        definition,
        role_assignment(&format!("/subscriptions/{SUB_A}"), "ra-sub", reader),
        role_assignment(&rg(SUB_A, "rg-kv"), "ra-rg", reader),
        role_assignment(&kv_id, "ra-kv1", reader),
        role_assignment(&format!("{}/providers/Microsoft.KeyVault/vaults/kv2", rg(SUB_A, "rg-kv")), "ra-kv2", reader),
        role_assignment(&format!("/subscriptions/{SUB_B}"), "ra-other-sub", reader),
        role_assignment("/providers/Microsoft.Management/managementGroups/corp", "ra-mg", reader),
        role_assignment("/", "ra-root", reader),
    ];
    let config = Config { page_size: 3, ..Config::default() };
    let estate = Estate::new(vec![sub_json(SUB_A, "a"), sub_json(SUB_B, "b")], resources);
    let server = ArmServer::start(estate, config.clone());
    let mut client = Client::connect(&server);
    let token = client.token(&config);

    let assignments = "/providers/Microsoft.Authorization/roleAssignments";
    let first = client.get(&token, &format!("{kv_id}{assignments}?api-version=2022-04-01&$filter=atScope()")).json();
    let next = relative(&server, &first["nextLink"]);
    assert!(next.contains("api-version=2022-04-01&$filter=atScope()&$skiptoken="), "{next}");
    let second = client.get(&token, &next).json();
    assert!(second.get("nextLink").is_none());
    let mut all = names(&first);
    all.extend(names(&second));
    assert_eq!(all, ["ra-sub", "ra-rg", "ra-kv1", "ra-mg", "ra-root"]);

    let at_sub = client.get(&token, &format!("/subscriptions/{SUB_A}{assignments}?{API}&$filter=atScope()")).json();
    assert_eq!(names(&at_sub), ["ra-sub", "ra-mg", "ra-root"]);
    let missing_scope = format!("{}/providers/Microsoft.KeyVault/vaults/kv9{assignments}?{API}", rg(SUB_A, "rg-kv"));
    assert_eq!(client.get(&token, &missing_scope).status, 404);

    let definition =
        client.get(&token, &format!("{kv_id}/providers/Microsoft.Authorization/roleDefinitions/{reader}?{API}"));
    assert_eq!(definition.status, 200);
    let definition = definition.json();
    assert_eq!(
        definition["id"],
        format!("/subscriptions/{SUB_A}/providers/Microsoft.Authorization/roleDefinitions/{reader}")
    );
    assert_eq!(definition["properties"]["roleName"], "Key Vault Reader");
    let unknown = "00000000-0000-0000-0000-000000000001";
    let missing =
        client.get(&token, &format!("{kv_id}/providers/Microsoft.Authorization/roleDefinitions/{unknown}?{API}"));
    assert_eq!((missing.status, missing.error_code().as_str()), (404, "RoleDefinitionDoesNotExist"));
}

#[test]
fn the_bucket_throttles_with_retry_after_and_early_returns_are_counted() {
    let config = Config { bucket: Some(Bucket { capacity: 3.0, refill_per_sec: 1.0 }), ..Config::default() };
    let server =
        ArmServer::start(Estate::new(vec![sub_json(SUB_A, "a"), sub_json(SUB_B, "b")], vec![]), config.clone());
    let mut client = Client::connect(&server);
    let token = client.token(&config);
    let target = format!("/subscriptions/{SUB_A}?{API}");

    let remaining: Vec<String> = (0..3)
        .map(|_| {
            let ok = client.get(&token, &target);
            assert_eq!(ok.status, 200);
            ok.header("x-ms-ratelimit-remaining-subscription-reads").unwrap().to_owned()
        })
        .collect();
    assert_eq!(remaining, ["2", "1", "0"]);
    let throttled = client.get(&token, &target);
    assert_eq!((throttled.status, throttled.error_code().as_str()), (429, "SubscriptionRequestsThrottled"));
    assert_eq!(throttled.header("retry-after"), Some("1"));
    let message = throttled.json()["error"]["message"].as_str().unwrap().to_owned();
    assert!(message.contains(&format!("subscription '{SUB_A}'")) && message.contains("after '1' seconds"), "{message}");

    // Another subscription has its own bucket.
    assert_eq!(client.get(&token, &format!("/subscriptions/{SUB_B}?{API}")).status, 200);
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(client.get(&token, &target).status, 429);
    assert_eq!(server.stats().early, 1);
    std::thread::sleep(Duration::from_millis(1100));
    assert_eq!(client.get(&token, &target).status, 200);
    let stats = server.stats();
    assert_eq!((stats.throttled, stats.early), (2, 1));
}

#[test]
fn faults_apply_in_order_and_are_used_up() {
    let cr1 = registry(SUB_A, "rg-acr", "cr1");
    let cr1_id = cr1["id"].as_str().unwrap().to_owned();
    let config = Config {
        faults: vec![
            Fault::contains("/providers/Microsoft.Insights/", FaultKind::Status(503)).only(1),
            Fault::prefix(&cr1_id, FaultKind::Throttle { retry_after_secs: 7 }).for_method("GET").only(1),
            Fault::exact(&cr1_id, FaultKind::Truncated).only(1),
            Fault::exact(&cr1_id, FaultKind::NotFound).only(1),
        ],
        ..Config::default()
    };
    let server = ArmServer::start(Estate::new(vec![], vec![cr1.clone()]), config.clone());
    let mut client = Client::connect(&server);
    let token = client.token(&config);
    let diag = format!("{cr1_id}/providers/Microsoft.Insights/diagnosticSettings?{API}");

    // The 503 comes first and is used up; the 429 then applies, being next in order.
    let unavailable = client.get(&token, &diag);
    assert_eq!((unavailable.status, unavailable.error_code().as_str()), (503, "ServiceUnavailable"));
    let throttled = client.get(&token, &diag);
    assert_eq!((throttled.status, throttled.header("retry-after")), (429, Some("7")));

    let truncated = client.get(&token, &format!("{cr1_id}?{API}"));
    assert_eq!(truncated.status, 200);
    assert!(truncated.content_length > 0);
    assert_eq!(truncated.body.len(), truncated.content_length / 2);
    assert_eq!(truncated.body, serde_json::to_vec(&cr1).unwrap()[..truncated.content_length / 2]);
    // The server closed the connection after the half body.
    let mut client = Client::connect(&server);

    let vanished = client.get(&token, &format!("{cr1_id}?{API}"));
    assert_eq!((vanished.status, vanished.error_code().as_str()), (404, "ResourceNotFound"));
    let message = vanished.json()["error"]["message"].as_str().unwrap().to_owned();
    assert!(
        message.starts_with("The Resource 'Microsoft.ContainerRegistry/registries/cr1' under resource group 'rg-acr'")
    );
    let whole = client.get(&token, &format!("{cr1_id}?{API}"));
    assert_eq!(whole.json(), cr1);

    let faults: Vec<Option<String>> =
        server.requests().into_iter().filter(|r| r.method == "GET").map(|r| r.fault).collect();
    let expected = [Some("Status(503)"), Some("Throttle"), Some("Truncated"), Some("NotFound"), None];
    assert_eq!(faults, expected.map(|f| f.map(str::to_owned)));
    let stats = server.stats();
    assert_eq!((stats.throttled, stats.connections_accepted), (1, 2));
}

#[test]
fn writes_are_refused_and_counted() {
    let config = Config::default();
    let server = ArmServer::start(Estate::new(vec![sub_json(SUB_A, "a")], vec![]), config.clone());
    let mut client = Client::connect(&server);
    let token = client.token(&config);
    let bearer = format!("Bearer {token}");
    let auth = [("Authorization", bearer.as_str())];

    let put = client.send("PUT", &format!("/subscriptions/{SUB_A}?{API}"), &auth, b"{}").unwrap();
    assert_eq!((put.status, put.error_code().as_str()), (405, "MethodNotAllowed"));
    let post =
        client.send("POST", &format!("/subscriptions/{SUB_A}/providers/x/y/listKeys?{API}"), &auth, b"").unwrap();
    assert_eq!(post.status, 405);
    assert_eq!(server.stats().non_get, 2);
}

#[test]
fn latency_delays_each_response_without_blocking_others_and_a_held_request_does_not_stall_drop() {
    let config = Config {
        latency: Duration::from_millis(300),
        faults: vec![Fault::prefix(format!("/subscriptions/{SUB_B}"), FaultKind::Timeout)],
        ..Config::default()
    };
    let server =
        ArmServer::start(Estate::new(vec![sub_json(SUB_A, "a"), sub_json(SUB_B, "b")], vec![]), config.clone());
    let token = Client::connect(&server).token(&config);

    let started = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                let mut client = Client::connect(&server);
                assert_eq!(client.get(&token, &format!("/subscriptions/{SUB_A}?{API}")).status, 200);
            });
        }
    });
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(300) && elapsed < Duration::from_millis(1000), "{elapsed:?}");
    assert_eq!(server.stats().max_open_connections, 4);

    let mut held = Client::connect(&server).with_read_timeout(Duration::from_millis(500));
    let bearer = format!("Bearer {token}");
    let error = held.send("GET", &format!("/subscriptions/{SUB_B}?{API}"), &[("Authorization", &bearer)], b"");
    assert!(error.is_err(), "a held request was answered");
    let record = server.requests().into_iter().last().unwrap();
    assert_eq!((record.status, record.fault.as_deref()), (0, Some("Timeout")));

    let dropping = Instant::now();
    drop(server);
    assert!(dropping.elapsed() < Duration::from_secs(2), "drop took {:?}", dropping.elapsed());
}
