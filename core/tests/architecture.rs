//! ARCHITECTURE.md draws the client's lifecycle from the code's table: they must agree.

use iotmqtt::client::state::TRANSITIONS;

fn rendered() -> String {
    let mut out = String::from("| from | input | to |\n|---|---|---|\n");
    for t in TRANSITIONS {
        let from: Vec<&str> = t.from.iter().map(|s| s.name()).collect();
        out.push_str(&format!(
            "| {} | {} | {} |\n",
            from.join(", "),
            t.input.name(),
            t.to.name()
        ));
    }
    out
}

#[test]
fn architecture_state_table_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../ARCHITECTURE.md");
    let doc = std::fs::read_to_string(path).expect("ARCHITECTURE.md");
    let start = doc
        .find("<!-- client-state-table")
        .and_then(|i| doc[i..].find('\n').map(|j| i + j + 1))
        .expect("start marker");
    let end = doc
        .find("<!-- end client-state-table -->")
        .expect("end marker");
    let table = &doc[start..end];
    assert_eq!(
        table,
        rendered(),
        "update the table in ARCHITECTURE.md to:\n{}",
        rendered()
    );
}
