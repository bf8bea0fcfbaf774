//! Single sign-on with OpenID Connect (`serve --oidc-issuer URL --oidc-audience A`): a bearer JWT from
//! the bureau's identity provider (Keycloak, an intranet IdP) names a person, their role and the admin
//! units they act in.
//!
//! A token is taken only when `jsonwebtoken` has checked it: signed with RS256 or ES256 (nothing else,
//! `none` least of all) by a key of the issuer's key set, chosen by its `kid`; issued by the issuer; for
//! the audience; and not expired (a minute's leeway for clocks). The key set comes from the issuer (its
//! discovery document's `jwks_uri`, fetched at start and again — at most once every
//! [`crate::limits::OIDC_REFETCH_SECONDS`] — when a token names a key not yet seen, so the IdP may rotate
//! keys) or from a file (`--oidc-jwks FILE`, for an intranet where the service cannot reach the IdP).
//! Tokens are never logged.

use crate::accounts::Role;
use jsonwebtoken::jwk::{Jwk, JwkSet, KeyAlgorithm};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;
use std::path::PathBuf;
use std::sync::RwLock;
use std::time::{Duration, Instant};

/// How `serve` was told to trust an identity provider.
#[derive(Debug, Clone)]
pub struct OidcSettings {
    /// The `iss` every token must carry, and where the discovery document is (`{issuer}/.well-known/openid-configuration`).
    pub issuer: String,
    /// The `aud` every token must carry (the web app's client id where the app signs in).
    pub audience: String,
    /// The keys from this JWKS file instead of the issuer's `jwks_uri`.
    pub jwks_file: Option<PathBuf>,
    /// The claim holding the role: a dotted path (`realm_access.roles`), a string or a list of strings;
    /// the greatest role named wins.
    pub role_claim: String,
    /// The claim holding the admin-unit codes the person acts in (a list, or one string of codes
    /// separated by commas or spaces); absent for the whole city.
    pub scope_claim: String,
    /// The web app's client id for its sign-in (authorization code with PKCE); the audience by default.
    pub client_id: Option<String>,
}

/// Why the identity provider cannot be used, or a token is not taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OidcError {
    #[error("单点登录配置无效 OpenID Connect: {0}")]
    Setup(String),
    #[error("令牌无效 the sign-in token was refused: {0}; sign in again")]
    Refused(String),
    #[error("无角色 the sign-in token of {name} names no carecircle role in its claim {claim} (expected one of viewer, reviewer, auditor, editor, admin, or their Chinese names): ask the identity provider's administrator")]
    NoRole { name: String, claim: String },
}

/// The person a verified token names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    /// `preferred_username`, else `sub`.
    pub name: String,
    pub role: Role,
    pub scope: Vec<String>,
}

/// An identity provider trusted by the service.
pub struct Oidc {
    settings: OidcSettings,
    /// Where the keys come from when a token names one not yet seen: the issuer's `jwks_uri`.
    jwks_uri: Option<String>,
    /// What the web app needs to sign in: the IdP's authorization and token endpoints.
    pub endpoints: Option<(String, String)>,
    keys: RwLock<(JwkSet, Instant)>,
}

impl Oidc {
    /// Reads the key set (from the file, or by the issuer's discovery document): refused, in a
    /// sentence, when neither gives at least one RS256 or ES256 signing key.
    pub fn start(settings: OidcSettings) -> Result<Oidc, OidcError> {
        let setup = OidcError::Setup;
        if !(settings.issuer.starts_with("https://") || settings.issuer.starts_with("http://")) {
            return Err(setup(format!(
                "--oidc-issuer \"{}\": expected the issuer's URL (https://…), as its tokens' iss claim writes it",
                settings.issuer
            )));
        }
        if settings.audience.trim().is_empty() {
            return Err(setup(
                "--oidc-audience: expected the audience tokens are issued for".into(),
            ));
        }
        let (jwks_uri, endpoints, keys) = match &settings.jwks_file {
            Some(file) => {
                let text = crate::limits::read_capped(file, crate::limits::OIDC_DOCUMENT_BYTES)
                    .and_then(|b| String::from_utf8(b).map_err(std::io::Error::other))
                    .map_err(|e| setup(format!("--oidc-jwks {}: {e}", file.display())))?;
                let keys = key_set(&text).map_err(|e| setup(format!("--oidc-jwks {}: {e}", file.display())))?;
                // The web app can still sign in where the issuer answers; the keys stay the file's.
                let endpoints = discovery(&settings.issuer).ok().and_then(|d| endpoints(&d));
                (None, endpoints, keys)
            }
            None => {
                let found = discovery(&settings.issuer).map_err(setup)?;
                let uri = found["jwks_uri"].as_str().map(str::to_string).ok_or_else(|| {
                    setup(format!(
                        "{}: the discovery document names no jwks_uri",
                        discovery_url(&settings.issuer)
                    ))
                })?;
                let keys = key_set(&fetch(&uri)?).map_err(|e| setup(format!("{uri}: {e}")))?;
                (Some(uri), endpoints(&found), keys)
            }
        };
        Ok(Oidc {
            settings,
            jwks_uri,
            endpoints,
            keys: RwLock::new((keys, Instant::now())),
        })
    }

    pub fn settings(&self) -> &OidcSettings {
        &self.settings
    }

    /// Whether a bearer token is a JWT (three dot-separated parts) rather than a personal token.
    pub fn looks_like_jwt(token: &str) -> bool {
        !token.starts_with("cc_") && token.split('.').count() == 3
    }

    /// The person a token names, once its signature, issuer, audience and expiry are checked.
    pub fn verify(&self, token: &str) -> Result<SignedIn, OidcError> {
        let refused = |why: &str| OidcError::Refused(why.to_string());
        if token.len() > crate::limits::OIDC_TOKEN_BYTES {
            return Err(refused("it is longer than any token an identity provider issues"));
        }
        let header = jsonwebtoken::decode_header(token).map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::Json(_) => {
                refused("its header names no algorithm carecircle takes (RS256, ES256)")
            }
            _ => refused("it is not a well-formed JWT"),
        })?;
        if !matches!(header.alg, Algorithm::RS256 | Algorithm::ES256) {
            return Err(refused(&format!(
                "it is signed with {:?}, where only RS256 and ES256 are taken",
                header.alg
            )));
        }
        let key = match self.key(header.kid.as_deref(), header.alg) {
            Some(k) => k,
            None => {
                self.refetch();
                self.key(header.kid.as_deref(), header.alg)
                    .ok_or_else(|| refused("it is signed by a key the identity provider's key set does not hold"))?
            }
        };
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[&self.settings.issuer]);
        validation.set_audience(&[&self.settings.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        let claims = jsonwebtoken::decode::<Value>(token, &key, &validation)
            .map_err(|e| {
                use jsonwebtoken::errors::ErrorKind as K;
                refused(match e.kind() {
                    K::ExpiredSignature => "it has expired",
                    K::InvalidAudience => "it is for another audience",
                    K::InvalidIssuer => "another issuer issued it",
                    K::ImmatureSignature => "it is not valid yet",
                    K::InvalidSignature => "its signature does not match",
                    K::MissingRequiredClaim(_) => "it lacks exp, iss or aud",
                    K::InvalidAlgorithm => "its algorithm does not match its key",
                    _ => "it could not be verified",
                })
            })?
            .claims;
        self.signed_in(&claims)
    }

    /// Who the verified claims name, with their role and scope.
    fn signed_in(&self, claims: &Value) -> Result<SignedIn, OidcError> {
        let name = ["preferred_username", "sub"]
            .iter()
            .find_map(|k| claims[k].as_str())
            .filter(|n| !n.trim().is_empty())
            .ok_or_else(|| OidcError::Refused("it names nobody (no preferred_username or sub)".into()))?;
        let name: String = name.chars().take(crate::accounts::NAME_CHARS).collect();
        let strings = |v: &Value| -> Vec<String> {
            match v {
                Value::String(s) => s
                    .split([',', ' '])
                    .filter(|p| !p.is_empty())
                    .map(str::to_string)
                    .collect(),
                Value::Array(items) => items.iter().filter_map(|i| i.as_str()).map(str::to_string).collect(),
                _ => Vec::new(),
            }
        };
        let at = |path: &str| path.split('.').fold(claims, |v, k| &v[k]);
        let role = strings(at(&self.settings.role_claim))
            .iter()
            .filter_map(|r| Role::parse(r))
            .max()
            .ok_or_else(|| OidcError::NoRole {
                name: name.clone(),
                claim: self.settings.role_claim.clone(),
            })?;
        let scope = strings(at(&self.settings.scope_claim));
        // The same codes an account may be given.
        crate::accounts::Account::new("oidc", role, scope.clone())
            .map_err(|e| OidcError::Refused(format!("its claim {}: {e}", self.settings.scope_claim)))?;
        Ok(SignedIn { name, role, scope })
    }

    /// The key for `kid` (or the only key for the algorithm when the token names none) that signs with
    /// `alg`.
    fn key(&self, kid: Option<&str>, alg: Algorithm) -> Option<DecodingKey> {
        let keys = self.keys.read().unwrap_or_else(|e| e.into_inner());
        let fits = |k: &&Jwk| {
            let family_fits = matches!(
                (&k.algorithm, alg),
                (jsonwebtoken::jwk::AlgorithmParameters::RSA(_), Algorithm::RS256)
                    | (
                        jsonwebtoken::jwk::AlgorithmParameters::EllipticCurve(_),
                        Algorithm::ES256
                    )
            );
            let alg_fits = match k.common.key_algorithm {
                None => true,
                Some(KeyAlgorithm::RS256) => alg == Algorithm::RS256,
                Some(KeyAlgorithm::ES256) => alg == Algorithm::ES256,
                Some(_) => false,
            };
            let for_signing = !matches!(
                k.common.public_key_use,
                Some(jsonwebtoken::jwk::PublicKeyUse::Encryption)
            );
            family_fits && alg_fits && for_signing
        };
        let found: Vec<&Jwk> = match kid {
            Some(kid) => keys
                .0
                .keys
                .iter()
                .filter(|k| k.common.key_id.as_deref() == Some(kid))
                .collect(),
            None => keys.0.keys.iter().filter(fits).collect(),
        };
        match found.as_slice() {
            [one] if fits(one) => DecodingKey::from_jwk(one).ok(),
            _ => None,
        }
    }

    /// Fetches the issuer's key set again, at most once every `OIDC_REFETCH_SECONDS` (a file's keys stay).
    fn refetch(&self) {
        let Some(uri) = &self.jwks_uri else { return };
        let due = {
            let keys = self.keys.read().unwrap_or_else(|e| e.into_inner());
            keys.1.elapsed() >= Duration::from_secs(crate::limits::OIDC_REFETCH_SECONDS)
        };
        if !due {
            return;
        }
        let mut keys = self.keys.write().unwrap_or_else(|e| e.into_inner());
        // Whether it succeeds or not, the next try waits its turn.
        keys.1 = Instant::now();
        match fetch(uri).map_err(|e| e.to_string()).and_then(|t| key_set(&t)) {
            Ok(fresh) => keys.0 = fresh,
            Err(e) => eprintln!("警告 warning: the identity provider's keys could not be fetched again: {e}"),
        }
    }
}

/// A JWKS document's RS256 and ES256 signing keys; refused when it holds none.
fn key_set(text: &str) -> Result<JwkSet, String> {
    let set: JwkSet = serde_json::from_str(text).map_err(|e| format!("not a JWK set ({e})"))?;
    if set.keys.is_empty() {
        return Err("the key set holds no key".into());
    }
    Ok(set)
}

fn discovery_url(issuer: &str) -> String {
    format!("{}/.well-known/openid-configuration", issuer.trim_end_matches('/'))
}

/// The issuer's discovery document; its `issuer` must be the one configured.
fn discovery(issuer: &str) -> Result<Value, String> {
    let url = discovery_url(issuer);
    let text = fetch(&url).map_err(|e| e.to_string())?;
    let doc: Value = serde_json::from_str(&text).map_err(|e| format!("{url}: not JSON ({e})"))?;
    if doc["issuer"].as_str() != Some(issuer) {
        return Err(format!("{url} names the issuer {}, not {issuer}", doc["issuer"]));
    }
    Ok(doc)
}

fn endpoints(doc: &Value) -> Option<(String, String)> {
    Some((
        doc["authorization_endpoint"].as_str()?.to_string(),
        doc["token_endpoint"].as_str()?.to_string(),
    ))
}

/// A document from the identity provider: at most `OIDC_DOCUMENT_BYTES`, within `OIDC_FETCH_SECONDS`.
fn fetch(url: &str) -> Result<String, OidcError> {
    let agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(crate::limits::OIDC_FETCH_SECONDS)))
        .build()
        .new_agent();
    let fail = |e: String| OidcError::Setup(format!("{url}: {e}"));
    let mut response = agent.get(url).call().map_err(|e| fail(e.to_string()))?;
    response
        .body_mut()
        .with_config()
        .limit(crate::limits::OIDC_DOCUMENT_BYTES)
        .read_to_string()
        .map_err(|e| fail(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_claims(role_claim: &str) -> Oidc {
        Oidc {
            settings: OidcSettings {
                issuer: "https://idp.example".into(),
                audience: "carecircle".into(),
                jwks_file: None,
                role_claim: role_claim.into(),
                scope_claim: "carecircle_scope".into(),
                client_id: None,
            },
            jwks_uri: None,
            endpoints: None,
            keys: RwLock::new((JwkSet { keys: vec![] }, Instant::now())),
        }
    }

    #[test]
    fn role_and_scope_come_from_the_configured_claims() {
        let oidc = with_claims("realm_access.roles");
        let claims = serde_json::json!({"preferred_username": "王审计", "sub": "u1",
            "realm_access": {"roles": ["offline_access", "viewer", "审计"]}, "carecircle_scope": "350105001, 350105100"});
        assert_eq!(
            oidc.signed_in(&claims).unwrap(),
            SignedIn {
                name: "王审计".into(),
                role: Role::Auditor,
                scope: vec!["350105001".into(), "350105100".into()]
            }
        );
        let no_role = serde_json::json!({"sub": "u2", "realm_access": {"roles": ["offline_access"]}});
        assert!(matches!(oidc.signed_in(&no_role), Err(OidcError::NoRole { .. })));
        let bad_scope =
            serde_json::json!({"sub": "u3", "realm_access": {"roles": ["viewer"]}, "carecircle_scope": ["罗星"]});
        assert!(oidc.signed_in(&bad_scope).is_err());
    }

    #[test]
    fn personal_tokens_are_not_taken_for_jwts() {
        assert!(Oidc::looks_like_jwt("eyJh.eyJz.c2ln"));
        assert!(!Oidc::looks_like_jwt("cc_0123abcd"));
        assert!(!Oidc::looks_like_jwt("a-shared-token-of-sixteen"));
    }
}
