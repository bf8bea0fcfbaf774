// A stand-in for a bureau's OpenID Connect identity provider, on loopback, for tests/app_browser.rs:
//
//     node tests/browser/oidc-idp.mjs CLIENT_ID USER ROLE
//
// Prints the port it listens on, then serves the discovery document, its key set (a fresh RSA key made
// at start), an authorization endpoint that signs USER in at once (no password page: the test is of
// carecircle, not of the IdP) and a token endpoint that checks the PKCE verifier (S256) and the client
// before it hands back an RS256 id_token naming USER with ROLE in its `roles` claim. Nothing leaves the
// machine.
import { createServer } from "node:http";
import { createHash, generateKeyPairSync, randomBytes, sign } from "node:crypto";

const [clientId, user, role] = process.argv.slice(2);
if (!clientId || !user || !role) {
  console.error("usage: node tests/browser/oidc-idp.mjs CLIENT_ID USER ROLE");
  process.exit(2);
}
const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const kid = randomBytes(8).toString("hex");
const b64url = (buf) => Buffer.from(buf).toString("base64url");
const codes = new Map();
let issuer = "";

function idToken(nonce) {
  const now = Math.floor(Date.now() / 1000);
  const header = b64url(JSON.stringify({ alg: "RS256", typ: "JWT", kid }));
  const claims = b64url(JSON.stringify({
    iss: issuer, aud: clientId, sub: `sub-${user}`, preferred_username: user, roles: [role],
    iat: now, exp: now + 600, ...(nonce ? { nonce } : {}),
  }));
  const signature = sign("sha256", Buffer.from(`${header}.${claims}`), privateKey);
  return `${header}.${claims}.${b64url(signature)}`;
}

const json = (res, status, body) => {
  res.writeHead(status, { "Content-Type": "application/json", "Access-Control-Allow-Origin": "*", "Cache-Control": "no-store" });
  res.end(JSON.stringify(body));
};

const server = createServer((req, res) => {
  const url = new URL(req.url, issuer);
  if (req.method === "GET" && url.pathname === "/.well-known/openid-configuration") {
    return json(res, 200, {
      issuer, authorization_endpoint: `${issuer}/authorize`, token_endpoint: `${issuer}/token`,
      jwks_uri: `${issuer}/jwks`, response_types_supported: ["code"], code_challenge_methods_supported: ["S256"],
      id_token_signing_alg_values_supported: ["RS256"], subject_types_supported: ["public"],
    });
  }
  if (req.method === "GET" && url.pathname === "/jwks") {
    return json(res, 200, { keys: [{ ...publicKey.export({ format: "jwk" }), kid, alg: "RS256", use: "sig" }] });
  }
  if (req.method === "GET" && url.pathname === "/authorize") {
    const p = url.searchParams;
    if (p.get("response_type") !== "code" || p.get("client_id") !== clientId || p.get("code_challenge_method") !== "S256" || !p.get("code_challenge")) {
      return json(res, 400, { error: "invalid_request" });
    }
    const code = randomBytes(16).toString("hex");
    codes.set(code, { challenge: p.get("code_challenge"), redirect: p.get("redirect_uri"), nonce: p.get("nonce") });
    const back = new URL(p.get("redirect_uri"));
    back.searchParams.set("code", code);
    back.searchParams.set("state", p.get("state") || "");
    res.writeHead(302, { Location: back.toString() });
    return res.end();
  }
  if (req.method === "POST" && url.pathname === "/token") {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const p = new URLSearchParams(body);
      const held = codes.get(p.get("code"));
      codes.delete(p.get("code"));
      const verifier = p.get("code_verifier") || "";
      if (!held || p.get("grant_type") !== "authorization_code" || p.get("client_id") !== clientId
          || p.get("redirect_uri") !== held.redirect || b64url(createHash("sha256").update(verifier).digest()) !== held.challenge) {
        return json(res, 400, { error: "invalid_grant" });
      }
      const token = idToken(held.nonce);
      json(res, 200, { access_token: token, id_token: token, token_type: "Bearer", expires_in: 600 });
    });
    return;
  }
  json(res, 404, { error: "not_found" });
});
server.listen(0, "127.0.0.1", () => {
  issuer = `http://127.0.0.1:${server.address().port}`;
  console.log(server.address().port);
});
