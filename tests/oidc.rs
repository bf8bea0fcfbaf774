//! Single sign-on (`serve --oidc-issuer … --oidc-audience …`) against keys made for these tests
//! (`tests/fixtures/oidc/`), with no network: a token the issuer signed (RS256 or ES256) for the audience
//! and not expired is taken, with its role and scope; expired, for another audience, from another issuer,
//! signed by a key the set does not hold, `alg: none` and HS256 keyed with the public key are refused
//! with 401, saying why; a token naming no role is 403. The keys come from a JWKS file, or from the
//! issuer's discovery document and `jwks_uri` served on loopback.

mod common;

use actix_web::{test as web_test, App};
use carecircle::server::oidc::{Oidc, OidcSettings};
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};
use std::path::Path;
use std::sync::Arc;

const ISSUER: &str = "https://idp.bureau.example/realms/mawei";
const AUDIENCE: &str = "carecircle";

fn pem(name: &str) -> Vec<u8> {
    std::fs::read(Path::new("tests/fixtures/oidc").join(name)).unwrap()
}

fn rsa(name: &str) -> EncodingKey {
    EncodingKey::from_rsa_pem(&pem(name)).unwrap()
}

fn ec() -> EncodingKey {
    EncodingKey::from_ec_pem(&pem("issuer-ec.pem")).unwrap()
}

/// The issuer's key set: its RSA key as `rsa-1`, its P-256 key as `ec-1` (public parts only).
fn key_set() -> JwkSet {
    let mut rsa_key = Jwk::from_encoding_key(&rsa("issuer-rsa.pem"), Algorithm::RS256).unwrap();
    rsa_key.common.key_id = Some("rsa-1".into());
    let mut ec_key = Jwk::from_encoding_key(&ec(), Algorithm::ES256).unwrap();
    ec_key.common.key_id = Some("ec-1".into());
    JwkSet {
        keys: vec![rsa_key, ec_key],
    }
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Claims as the IdP writes them for `user` with `roles`, valid for ten minutes.
fn claims(user: &str, roles: &[&str]) -> Value {
    json!({"iss": ISSUER, "aud": AUDIENCE, "sub": format!("sub-{user}"), "preferred_username": user,
           "iat": now(), "exp": now() + 600, "realm_access": {"roles": roles}})
}

fn signed(claims: &Value, alg: Algorithm, kid: &str, key: &EncodingKey) -> String {
    let mut header = Header::new(alg);
    header.kid = Some(kid.into());
    jsonwebtoken::encode(&header, claims, key).unwrap()
}

fn settings(jwks_file: Option<std::path::PathBuf>, issuer: &str) -> OidcSettings {
    OidcSettings {
        issuer: issuer.into(),
        audience: AUDIENCE.into(),
        jwks_file,
        role_claim: "realm_access.roles".into(),
        scope_claim: "carecircle_scope".into(),
        client_id: None,
    }
}

/// The service on the demo trusting the issuer, its keys from a JWKS file; no accounts.
async fn service(
    state: &Path,
) -> impl actix_web::dev::Service<actix_http::Request, Response = actix_web::dev::ServiceResponse, Error = actix_web::Error>
{
    let jwks = state.join("jwks.json");
    std::fs::write(&jwks, serde_json::to_vec(&key_set()).unwrap()).unwrap();
    let oidc = Oidc::start(settings(Some(jwks), ISSUER)).unwrap();
    let data = common::demo_state(state, None);
    let mut app_state = Arc::try_unwrap(data.into_inner()).ok().unwrap();
    app_state.oidc = Some(Arc::new(oidc));
    web_test::init_service(
        App::new()
            .app_data(actix_web::web::Data::new(app_state))
            .configure(carecircle::server::router),
    )
    .await
}

use common::status as call;

#[actix_web::test]
async fn tokens_the_issuer_signed_are_taken_with_their_role_and_scope() {
    let state = tempfile::tempdir().unwrap();
    let app = service(state.path()).await;
    // Reads need someone once single sign-on is configured, even with no local account.
    assert_eq!(call(&app, "GET", "/collections", None).await.0, 401);
    let viewer = signed(
        &claims("李查看", &["offline_access", "viewer"]),
        Algorithm::RS256,
        "rsa-1",
        &rsa("issuer-rsa.pem"),
    );
    assert_eq!(call(&app, "GET", "/collections", Some(&viewer)).await.0, 200);
    let (code, body) = call(&app, "POST", "/checks", Some(&viewer)).await;
    assert_eq!(code, 403, "{body}");
    assert!(
        body["detail"].as_str().unwrap().contains("oidc:李查看 (viewer)"),
        "{body}"
    );
    // An auditor signed with the EC key runs a check, and the run names them.
    let auditor = signed(&claims("王审计", &["审计"]), Algorithm::ES256, "ec-1", &ec());
    let (code, run) = call(&app, "POST", "/checks", Some(&auditor)).await;
    assert_eq!(code, 201, "{run}");
    let (_, record) = call(&app, "GET", &format!("/checks/{}", run["id"]), Some(&auditor)).await;
    assert_eq!(record["created_by"], "oidc:王审计");
    // The scope claim holds the person to their street.
    let mut scoped = claims("罗星街道", &["viewer"]);
    scoped["carecircle_scope"] = json!("350105001");
    let scoped = signed(&scoped, Algorithm::RS256, "rsa-1", &rsa("issuer-rsa.pem"));
    let (_, page) = call(
        &app,
        "GET",
        "/collections/demo.residential_areas/items?limit=1000",
        Some(&scoped),
    )
    .await;
    assert_eq!(page["numberMatched"], common::demo_areas_in("350105001").len());
    // The web app learns who is signed in.
    let (_, config) = call(&app, "GET", "/app/config.json", Some(&auditor)).await;
    assert_eq!(config["signed_in"]["name"], "oidc:王审计");
    assert_eq!(config["signed_in"]["role"], "auditor");
}

#[actix_web::test]
async fn tokens_not_the_issuers_are_refused_saying_why() {
    let state = tempfile::tempdir().unwrap();
    let app = service(state.path()).await;
    let key = rsa("issuer-rsa.pem");
    let mut expired = claims("a", &["viewer"]);
    expired["exp"] = json!(now() - 3_600);
    let mut other_audience = claims("a", &["viewer"]);
    other_audience["aud"] = json!("someone-else");
    let mut other_issuer = claims("a", &["viewer"]);
    other_issuer["iss"] = json!("https://idp.elsewhere.example");
    let mut no_expiry = claims("a", &["viewer"]);
    no_expiry.as_object_mut().unwrap().remove("exp");
    let good = claims("a", &["viewer"]);
    let b64 = |v: &Value| {
        use std::io::Write;
        let mut out = Vec::new();
        // base64url without padding, by hand: the test must not lean on what it tests.
        let table = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let bytes = serde_json::to_vec(v).unwrap();
        for chunk in bytes.chunks(3) {
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
            for k in 0..=chunk.len() {
                out.write_all(&[table[((n >> (18 - 6 * k)) & 63) as usize]]).unwrap();
            }
        }
        String::from_utf8(out).unwrap()
    };
    let unsigned = format!("{}.{}.", b64(&json!({"alg": "none", "typ": "JWT"})), b64(&good));
    // HS256 keyed with the issuer's public key: the old algorithm-confusion attack.
    let public_jwk = {
        let set = key_set();
        serde_json::to_string(&set.keys[0]).unwrap()
    };
    let confused = signed(
        &good,
        Algorithm::HS256,
        "rsa-1",
        &EncodingKey::from_secret(public_jwk.as_bytes()).unwrap(),
    );
    let cases = [
        ("expired", signed(&expired, Algorithm::RS256, "rsa-1", &key), "expired"),
        (
            "wrong audience",
            signed(&other_audience, Algorithm::RS256, "rsa-1", &key),
            "another audience",
        ),
        (
            "wrong issuer",
            signed(&other_issuer, Algorithm::RS256, "rsa-1", &key),
            "another issuer",
        ),
        (
            "no expiry",
            signed(&no_expiry, Algorithm::RS256, "rsa-1", &key),
            "lacks exp",
        ),
        (
            "unknown key",
            signed(&good, Algorithm::RS256, "stranger", &rsa("stranger-rsa.pem")),
            "does not hold",
        ),
        (
            "a stranger's key under the issuer's kid",
            signed(&good, Algorithm::RS256, "rsa-1", &rsa("stranger-rsa.pem")),
            "signature does not match",
        ),
        ("alg none", unsigned, "algorithm"),
        ("HS256 with the public key", confused, "only RS256 and ES256"),
        ("not a JWT at all", "a.b.c".to_string(), "well-formed"),
    ];
    for (what, token, why) in cases {
        let (code, body) = call(&app, "GET", "/collections", Some(&token)).await;
        assert_eq!(code, 401, "{what}: {body}");
        let detail = body["detail"].as_str().unwrap();
        assert!(detail.contains(why), "{what}: {detail}");
        // The token is never echoed back.
        assert!(!detail.contains(&token), "{what}");
    }
    // The issuer's good token still passes: the refusals were of the tokens, not of the service.
    assert_eq!(
        call(
            &app,
            "GET",
            "/collections",
            Some(&signed(&good, Algorithm::RS256, "rsa-1", &key))
        )
        .await
        .0,
        200
    );
    // A person with no carecircle role is told so, with 403.
    let no_role = signed(&claims("路人", &["offline_access"]), Algorithm::RS256, "rsa-1", &key);
    let (code, body) = call(&app, "GET", "/collections", Some(&no_role)).await;
    assert_eq!(code, 403, "{body}");
    assert!(
        body["detail"].as_str().unwrap().contains("no carecircle role"),
        "{body}"
    );
}

/// The issuer's discovery document and key set on loopback: the keys are fetched from its `jwks_uri`;
/// a discovery document naming another issuer is refused at start.
#[test]
fn keys_are_fetched_from_the_issuers_discovery_document() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let issuer = format!("{base}/realms/mawei");
    let jwks = serde_json::to_string(&key_set()).unwrap();
    let discovery = json!({"issuer": issuer, "jwks_uri": format!("{base}/certs"),
        "authorization_endpoint": format!("{base}/auth"), "token_endpoint": format!("{base}/token")})
    .to_string();
    let served = std::thread::spawn(move || {
        use std::io::{BufRead, BufReader, Write};
        // Discovery and keys for the first start, discovery for the second.
        for _ in 0..3 {
            let (mut stream, _) = listener.accept().unwrap();
            let mut line = String::new();
            BufReader::new(&stream).read_line(&mut line).unwrap();
            let body = if line.contains("/certs") { &jwks } else { &discovery };
            write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            )
            .unwrap();
        }
    });
    let oidc = Oidc::start(settings(None, &issuer)).unwrap();
    assert_eq!(oidc.endpoints, Some((format!("{base}/auth"), format!("{base}/token"))));
    let mut good = claims("a", &["editor"]);
    good["iss"] = json!(issuer);
    let who = oidc
        .verify(&signed(&good, Algorithm::RS256, "rsa-1", &rsa("issuer-rsa.pem")))
        .unwrap();
    assert_eq!(who.role, carecircle::accounts::Role::Editor);
    let refused = Oidc::start(settings(None, &format!("{base}/realms/other")))
        .err()
        .unwrap();
    assert!(refused.to_string().contains("names the issuer"), "{refused}");
    served.join().unwrap();
}
