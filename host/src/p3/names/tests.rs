use super::*;

#[test]
fn final_names() {
    for (name, want) in [
        (
            "wasi:http/types@0.3.0-rc-2026-03-15",
            Some("wasi:http/types@0.3.0"),
        ),
        (
            "wasi:clocks/monotonic-clock@0.3.0-rc-2026-03-15",
            Some("wasi:clocks/monotonic-clock@0.3.0"),
        ),
        ("wasi:http/types@0.3.0", None),
        ("wasi:http/types@0.2.6", None),
        ("wasi:http/types@0.3.0-rc-2025-09-16", None),
        ("spin:redis/redis@3.0.0", None),
        // Only WASI's own packages are renamed.
        ("acme:http/types@0.3.0-rc-2026-03-15", None),
        ("wasi:http/types", None),
        ("handle", None),
    ] {
        assert_eq!(final_name(name).as_deref(), want, "{name}");
    }
}

/// A component importing `imports`, exporting `exports` (each an instance
/// holding one function), with a core module inside.
fn component(imports: &[&str], exports: &[&str]) -> Vec<u8> {
    let mut wat = String::from("(component\n  (type $i (instance (export \"f\" (func))))\n");
    for (n, name) in imports.iter().enumerate() {
        wat += &format!("  (import \"{name}\" (instance $imp{n} (type $i)))\n");
    }
    wat += "  (core module $m (func (export \"g\") nop) (data \"0.3.0-rc-2026-03-15\"))\n";
    wat += "  (core instance $mi (instantiate $m))\n";
    for (n, name) in exports.iter().enumerate() {
        wat += &format!("  (instance $exp{n} (export \"f\" (func $imp0 \"f\")))\n");
        wat += &format!("  (export \"{name}\" (instance $exp{n}))\n");
    }
    wat += ")";
    wat::parse_str(&wat).expect("the test component assembles")
}

fn names(wasm: &[u8]) -> (Vec<String>, Vec<String>) {
    let (mut imports, mut exports) = (Vec::new(), Vec::new());
    let mut depth = 0;
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.expect("the output parses") {
            Payload::ModuleSection { .. } | Payload::ComponentSection { .. } => depth += 1,
            Payload::End(_) => depth -= 1,
            Payload::ComponentImportSection(r) if depth == 0 => {
                imports.extend(r.into_iter().map(|i| i.unwrap().name.name.to_owned()))
            }
            Payload::ComponentExportSection(r) if depth == 0 => {
                exports.extend(r.into_iter().map(|e| e.unwrap().name.name.to_owned()))
            }
            _ => {}
        }
    }
    (imports, exports)
}

#[test]
fn release_candidate_names_become_final_and_the_rest_is_kept() {
    let wasm = component(
        &[
            "wasi:http/types@0.3.0-rc-2026-03-15",
            "wasi:cli/environment@0.2.6",
            "spin:redis/redis@3.0.0",
        ],
        &["wasi:http/handler@0.3.0-rc-2026-03-15"],
    );
    let out = to_final(&wasm).expect("renamed");
    assert!(matches!(out, Cow::Owned(_)));
    let (imports, exports) = names(&out);
    assert_eq!(
        imports,
        [
            "wasi:http/types@0.3.0",
            "wasi:cli/environment@0.2.6",
            "spin:redis/redis@3.0.0"
        ]
    );
    assert_eq!(exports, ["wasi:http/handler@0.3.0"]);
    // The nested module (which mentions the version in its data) is intact.
    let module = |w: &[u8]| {
        Parser::new(0)
            .parse_all(w)
            .find_map(|p| match p.unwrap() {
                Payload::ModuleSection {
                    unchecked_range, ..
                } => Some(w[unchecked_range].to_vec()),
                _ => None,
            })
            .unwrap()
    };
    assert_eq!(module(&out), module(&wasm));
    wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
        .validate_all(&out)
        .expect("the renamed component is valid");
}

#[test]
fn what_needs_no_renaming_is_borrowed() {
    let final_only = component(&["wasi:http/types@0.3.0"], &["wasi:http/handler@0.3.0"]);
    assert!(matches!(to_final(&final_only), Ok(Cow::Borrowed(_))));
    // The version string only inside a nested module: nothing to rename.
    let inner_only = component(&["wasi:cli/environment@0.2.6"], &["x:y/z@1.0.0"]);
    assert!(matches!(to_final(&inner_only), Ok(Cow::Borrowed(_))));
    let module = wat::parse_str("(module (data \"0.3.0-rc-2026-03-15\"))").unwrap();
    assert!(matches!(to_final(&module), Ok(Cow::Borrowed(_))));
}

#[test]
fn both_versions_of_one_interface_are_refused() {
    let wasm = component(
        &[
            "wasi:http/types@0.3.0-rc-2026-03-15",
            "wasi:http/types@0.3.0",
        ],
        &[],
    );
    let err = to_final(&wasm).unwrap_err();
    assert!(
        matches!(&err, RenameError::BothVersions { name } if name == "wasi:http/types@0.3.0"),
        "{err}"
    );
    // An import and an export of the same name are not a clash.
    let middleware = component(
        &["wasi:http/handler@0.3.0"],
        &["wasi:http/handler@0.3.0-rc-2026-03-15"],
    );
    let (imports, exports) = names(&to_final(&middleware).unwrap());
    assert_eq!(
        (imports, exports),
        (
            vec!["wasi:http/handler@0.3.0".to_owned()],
            vec!["wasi:http/handler@0.3.0".to_owned()]
        )
    );
}

#[test]
fn garbage_is_a_parse_error() {
    let mut wasm = component(&["wasi:http/types@0.3.0-rc-2026-03-15"], &[]);
    wasm.truncate(wasm.len() - 3);
    assert!(matches!(to_final(&wasm), Err(RenameError::Parse(_))));
}
