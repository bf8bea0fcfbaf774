//! `carecircle allocate` reproduces annex 2 of 榕民〔2021〕267号 (rules/fuzhou-2021-targets.toml).

mod common;
use common::carecircle;

use serde_json::Value;

/// The annex's rows as printed: district, family beds, home-service visits. The last row is the annex's
/// total minus its listed rows (a row missing from the text).
const ANNEX_2: [(&str, u64, u64); 13] = [
    ("鼓楼", 675, 1349),
    ("台江", 456, 912),
    ("仓山", 604, 1208),
    ("晋安", 484, 968),
    ("马尾", 208, 416),
    ("长乐", 279, 558),
    ("福清", 470, 940),
    ("闽侯", 236, 471),
    ("连江", 251, 502),
    ("罗源", 94, 189),
    ("闽清", 123, 246),
    ("永泰", 130, 260),
    ("未列明（合计差额）", 35, 70),
];

fn allocations(doc: &Value, target: &str) -> Vec<(String, u64)> {
    let t = doc["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == target)
        .unwrap();
    t["allocations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["unit"].as_str().unwrap().to_string(), a["value"].as_u64().unwrap()))
        .collect()
}

#[test]
fn reproduces_the_fuzhou_task_table() {
    let out = carecircle(&["allocate", "rules/fuzhou-2021-targets.toml", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let beds = allocations(&doc, "family_beds");
    let visits = allocations(&doc, "home_service_visits");
    assert_eq!(beds.iter().map(|(_, v)| v).sum::<u64>(), 4045);
    assert_eq!(visits.iter().map(|(_, v)| v).sum::<u64>(), 8089);
    for ((unit, bed), (name, annex_beds, annex_visits)) in beds.iter().zip(ANNEX_2) {
        assert_eq!((unit.as_str(), *bed), (name, annex_beds));
        let got = visits.iter().find(|(u, _)| u == name).unwrap().1;
        match name {
            // Quotas 1207.43 and 968.46: largest remainder gives the extra visit to 晋安, the annex to 仓山.
            "仓山" => assert_eq!(got, annex_visits - 1),
            "晋安" => assert_eq!(got, annex_visits + 1),
            _ => assert_eq!(got, annex_visits, "{name}"),
        }
    }
    let first = &doc["targets"][0]["allocations"][0];
    assert_eq!(
        (first["unit"].as_str(), first["group"].as_str()),
        (Some("鼓楼"), Some("urban"))
    );
}

#[test]
fn text_and_csv_and_bad_plans() {
    let text = carecircle(&["allocate", "rules/fuzhou-2021-targets.toml"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("马尾") && text.contains("4045") && text.contains("8089"),
        "{text}"
    );
    let csv = carecircle(&["allocate", "rules/fuzhou-2021-targets.toml", "--format", "csv"]);
    assert!(csv.stdout.starts_with("\u{feff}".as_bytes()));
    assert_eq!(csv.stdout.iter().filter(|&&b| b == b'\n').count(), 1 + 13 + 1);

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[[target]]\nname = \"beds\"\ntotal = 10\n\n[[unit]]\nname = \"A\"\nweight = -1\n",
    )
    .unwrap();
    let out = carecircle(&["allocate", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 5: unit 0: \"weight\""));
}
