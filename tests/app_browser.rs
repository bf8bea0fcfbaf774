//! The web app (/app/) in a real browser: `tests/browser/app.mjs` drives Debian's chromium with
//! playwright-core against `carecircle serve` on the demo — an auditor's checks made out of date order, a
//! failing area's explanation, search by name, a street's own figures, deep links and Back, a lost server,
//! the audit printed on A4, compare by date and by rules in force; a reviewer's failed upload, the
//! proposal's own verdict beside the existing gaps, the printed verdict; axe-core over each view and three
//! screen sizes (the whole list heads `tests/browser/app.mjs`). Its screenshots land in
//! `target/app-screenshots/`.
//!
//! Needs node, `/usr/bin/chromium` and `npm ci` in `tests/browser` (scripts/test sees to all three). In CI
//! a missing one fails the test; on a laptop without them it says loudly that it skipped.

mod common;

use std::path::Path;
use std::process::Command;

fn browser_available(root: &Path) -> bool {
    let node = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    let chromium = Path::new("/usr/bin/chromium").exists() || std::env::var_os("CHROMIUM").is_some();
    let playwright = root.join("tests/browser/node_modules/playwright-core").exists();
    let missing: Vec<&str> = [
        (!node).then_some("node"),
        (!chromium).then_some("chromium (apt-get install chromium)"),
        (!playwright).then_some("playwright-core (npm ci --prefix tests/browser)"),
    ]
    .into_iter()
    .flatten()
    .collect();
    if missing.is_empty() {
        return true;
    }
    assert!(
        std::env::var("CI").is_err(),
        "missing in CI: {}; scripts/test installs them",
        missing.join(", ")
    );
    eprintln!(
        "\n*** SKIPPED: {} not installed; the browser test of the web app did not run ***\n",
        missing.join(", ")
    );
    false
}

/// Runs `tests/browser/<script>` against the server on `port` with `args` and the screenshot folder, then
/// stops the server; fails with all the script said unless it succeeded.
fn browse(root: &Path, script: &str, port: u16, args: &[&str], mut server: std::process::Child, shots: &Path) {
    let out = Command::new("node")
        .arg(format!("tests/browser/{script}"))
        .arg(format!("http://127.0.0.1:{port}"))
        .args(args)
        .arg(shots)
        .current_dir(root)
        .output()
        .unwrap();
    server.kill().ok();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "the browser run of {script} failed:\n{said}");
}

/// An account of `role` named `name` in the state directory `state`, made with the CLI: its token.
fn account_token(state: &Path, name: &str, role: &str) -> String {
    let dir = state.to_str().unwrap();
    let added = common::carecircle(&["users", "--state-dir", dir, "add", name, "--role", role]);
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    let made = common::carecircle(&["users", "--state-dir", dir, "token", name]);
    String::from_utf8(made.stdout).unwrap().trim().to_string()
}

/// Each named screenshot is a PNG of at least `min_bytes` (a blank page is smaller).
fn pictures_are_real(shots: &Path, names: &[&str], min_bytes: usize) {
    for name in names {
        let png = std::fs::read(shots.join(format!("{name}.png"))).unwrap_or_else(|e| panic!("{name}.png: {e}"));
        assert!(
            png.starts_with(b"\x89PNG") && png.len() > min_bytes,
            "{name}.png is a real picture"
        );
    }
}

#[test]
fn the_app_does_an_auditors_and_a_reviewers_job_in_chromium() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    if !browser_available(root) {
        return;
    }
    let state = tempfile::tempdir().unwrap();
    let token = "app-test-token-0123456789";
    let (server, port) = common::start_server_with_token(state.path(), root, Some(token));
    let shots = root.join("target/app-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    for old in std::fs::read_dir(&shots).unwrap().flatten() {
        std::fs::remove_file(old.path()).ok();
    }
    browse(root, "app.mjs", port, &[token], server, &shots);
    let pictures = [
        "app-audit",
        "app-finding",
        "app-compare",
        "app-review",
        "app-1280",
        "app-phone",
    ];
    pictures_are_real(&shots, &pictures, 20_000);
}

/// Where accounts are kept: `tests/browser/accounts.mjs` signs in as a viewer (who sees who they are and
/// cannot run a check) and as an auditor (who runs one), and an unknown token is refused at the sign-in.
#[test]
fn the_app_signs_in_a_viewer_and_an_auditor_in_chromium() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    if !browser_available(root) {
        return;
    }
    let state = tempfile::tempdir().unwrap();
    let token = |name: &str, role: &str| account_token(state.path(), name, role);
    let (viewer, auditor) = (token("viewer", "viewer"), token("auditor", "auditor"));
    let (server, port) = common::start_server(state.path(), root);
    // A folder of its own: the other browser test clears its folder as it starts.
    let shots = root.join("target/app-screenshots/accounts");
    std::fs::create_dir_all(&shots).unwrap();
    browse(root, "accounts.mjs", port, &[&viewer, &auditor], server, &shots);
    pictures_are_real(&shots, &["app-signin", "app-viewer", "app-auditor"], 10_000);
}

/// Keeping the ledger in the web app: `tests/browser/edit.mjs` has an editor close the day-care centre D89
/// in the form made from the layer's schema, see the verdicts that would flip before saving, and save; a
/// viewer is offered no form.
#[test]
fn the_app_edits_a_facility_and_shows_the_flipped_verdicts_in_chromium() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    if !browser_available(root) {
        return;
    }
    let state = tempfile::tempdir().unwrap();
    let token = |name: &str, role: &str| account_token(state.path(), name, role);
    let (editor, viewer) = (token("editor", "editor"), token("viewer", "viewer"));
    let (server, port) = common::start_server(state.path(), root);
    let shots = root.join("target/app-screenshots/edit");
    std::fs::create_dir_all(&shots).unwrap();
    browse(root, "edit.mjs", port, &[&editor, &viewer], server, &shots);
    pictures_are_real(&shots, &["app-edit-preview", "app-edit-saved"], 20_000);
}

/// Single sign-on: `serve --oidc-issuer` trusting a stand-in identity provider on loopback
/// (`tests/browser/oidc-idp.mjs`, its key made at its start); `tests/browser/sso.mjs` signs in through it
/// with the authorization-code flow and PKCE, and the auditor it names runs a check.
#[test]
fn the_app_signs_in_through_single_sign_on_in_chromium() {
    use std::io::BufRead;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    if !browser_available(root) {
        return;
    }
    /// The stand-in identity provider, stopped however the test ends (left running, it would hold the
    /// test's output open and outlive it).
    struct Stopped(std::process::Child);
    impl Drop for Stopped {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut idp = Stopped(
        Command::new("node")
            .args(["tests/browser/oidc-idp.mjs", "carecircle-app", "王审计", "auditor"])
            .current_dir(root)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut line = String::new();
    std::io::BufReader::new(idp.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let issuer = format!("http://127.0.0.1:{}", line.trim());
    let state = tempfile::tempdir().unwrap();
    let (server, port) = common::start_server_with(
        state.path(),
        root,
        None,
        &["--oidc-issuer", &issuer, "--oidc-audience", "carecircle-app"],
    );
    let shots = root.join("target/app-screenshots/sso");
    std::fs::create_dir_all(&shots).unwrap();
    browse(root, "sso.mjs", port, &[], server, &shots);
    drop(idp);
    pictures_are_real(&shots, &["app-sso"], 10_000);
}
