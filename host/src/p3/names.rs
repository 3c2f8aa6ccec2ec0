//! Renames a component's WASI release-candidate interfaces
//! (`wasi:*@0.3.0-rc-2026-03-15`) to the final `wasi:*@0.3.0` that this
//! host's wasmtime implements (see [`super`] for why this is sound).
//!
//! Only the names of the outermost component's imports and exports change;
//! every other section, nested modules and components included, is copied
//! byte for byte. Names are all a component links by: its types stay
//! exactly as built, and wasmtime still checks every import's type against
//! the host's definition, so a renamed import that did not match would
//! fail to link, never run with the wrong shape.

use std::borrow::Cow;
use std::collections::HashMap;

use wasm_encoder::{
    ComponentExportSection, ComponentExternName, ComponentImportSection, RawSection,
};
use wasmparser::{Chunk, Encoding, Parser, Payload};

/// The release candidate Spin 4.0.2 and spin-sdk 6 use.
pub const RC_VERSION: &str = "0.3.0-rc-2026-03-15";
/// The release this host's wasmtime implements.
pub const FINAL_VERSION: &str = "0.3.0";

/// Why a component could not be renamed.
#[derive(Debug, thiserror::Error)]
pub enum RenameError {
    #[error("not a well-formed component")]
    Parse(#[source] wasmparser::BinaryReaderError),
    #[error(
        "it imports or exports {name} under both versions {RC_VERSION} and {FINAL_VERSION}; \
         a component may use one of them"
    )]
    BothVersions { name: String },
}

/// The final name for `name` when it is a WASI release-candidate interface.
pub fn final_name(name: &str) -> Option<String> {
    let (path, version) = name.rsplit_once('@')?;
    (name.starts_with("wasi:") && version == RC_VERSION).then(|| format!("{path}@{FINAL_VERSION}"))
}

/// `wasm` with its release-candidate names made final; borrowed unchanged
/// when it has none (or is not a component: wasmtime says what it is).
pub fn to_final(wasm: &[u8]) -> Result<Cow<'_, [u8]>, RenameError> {
    if !contains(wasm, RC_VERSION.as_bytes()) {
        return Ok(Cow::Borrowed(wasm));
    }
    let mut out = wasm_encoder::Component::new();
    let mut seen = Names::default();
    let mut parser = Parser::new(0);
    let mut offset = 0;
    let mut renamed = false;
    loop {
        let (payload, consumed) = match parser.parse(&wasm[offset..], true) {
            Ok(Chunk::Parsed { payload, consumed }) => (payload, consumed),
            Ok(Chunk::NeedMoreData(_)) => unreachable!("eof is true"),
            Err(e) => return Err(RenameError::Parse(e)),
        };
        offset += consumed;
        match payload {
            Payload::Version { encoding, .. } if encoding != Encoding::Component => {
                return Ok(Cow::Borrowed(wasm));
            }
            Payload::Version { .. } => {}
            Payload::ComponentImportSection(reader) => {
                let mut section = ComponentImportSection::new();
                for import in reader {
                    let import = import.map_err(RenameError::Parse)?;
                    let name = seen.rename(Side::Import, &import.name, &mut renamed)?;
                    section.import(name, import.ty.into());
                }
                out.section(&section);
            }
            Payload::ComponentExportSection(reader) => {
                let mut section = ComponentExportSection::new();
                for export in reader {
                    let export = export.map_err(RenameError::Parse)?;
                    let name = seen.rename(Side::Export, &export.name, &mut renamed)?;
                    section.export(
                        name,
                        export.kind.into(),
                        export.index,
                        export.ty.map(Into::into),
                    );
                }
                out.section(&section);
            }
            Payload::End(_) => break,
            other => {
                let nested = matches!(
                    other,
                    Payload::ModuleSection { .. } | Payload::ComponentSection { .. }
                );
                if let Some((id, range)) = other.as_section() {
                    out.section(&RawSection {
                        id,
                        data: &wasm[range.clone()],
                    });
                    if nested {
                        // Copied whole above: the parser has stepped over
                        // its contents already, the input must too.
                        offset += range.len();
                    }
                }
            }
        }
    }
    Ok(if renamed {
        Cow::Owned(out.finish())
    } else {
        Cow::Borrowed(wasm)
    })
}

/// The outer names seen so far (final form, and whether it was renamed),
/// to refuse one interface used under both versions. Imports and exports
/// are separate namespaces, so they are keyed apart.
#[derive(Default)]
struct Names {
    seen: HashMap<(Side, String), bool>,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Side {
    Import,
    Export,
}

impl Names {
    fn rename<'a>(
        &mut self,
        side: Side,
        name: &wasmparser::ComponentExternName<'a>,
        renamed: &mut bool,
    ) -> Result<ComponentExternName<'a>, RenameError> {
        let new = match final_name(name.name) {
            Some(n) => Cow::Owned(n),
            None => Cow::Borrowed(name.name),
        };
        let this_renamed = matches!(new, Cow::Owned(_));
        *renamed |= this_renamed;
        // The same name twice only after renaming: both versions are used.
        // (The same name twice as built is wasmtime's to refuse.)
        match self.seen.insert((side, new.to_string()), this_renamed) {
            Some(earlier) if earlier || this_renamed => {
                return Err(RenameError::BothVersions {
                    name: new.into_owned(),
                })
            }
            _ => {}
        }
        Ok(ComponentExternName {
            name: new,
            implements: name.implements.map(Cow::Borrowed),
            version_suffix: name.version_suffix.map(Cow::Borrowed),
            external_id: name.external_id.map(Cow::Borrowed),
        })
    }
}

/// The outermost component's import and export names, in order (empty
/// for a core module).
pub fn interfaces(wasm: &[u8]) -> Result<(Vec<String>, Vec<String>), RenameError> {
    let (mut imports, mut exports) = (Vec::new(), Vec::new());
    let mut parser = Parser::new(0);
    let mut offset = 0;
    loop {
        let (payload, consumed) = match parser.parse(&wasm[offset..], true) {
            Ok(Chunk::Parsed { payload, consumed }) => (payload, consumed),
            Ok(Chunk::NeedMoreData(_)) => unreachable!("eof is true"),
            Err(e) => return Err(RenameError::Parse(e)),
        };
        offset += consumed;
        match payload {
            Payload::Version { encoding, .. } if encoding != Encoding::Component => break,
            Payload::ComponentImportSection(r) => {
                for i in r {
                    imports.push(i.map_err(RenameError::Parse)?.name.name.to_owned());
                }
            }
            Payload::ComponentExportSection(r) => {
                for e in r {
                    exports.push(e.map_err(RenameError::Parse)?.name.name.to_owned());
                }
            }
            Payload::ModuleSection {
                unchecked_range, ..
            }
            | Payload::ComponentSection {
                unchecked_range, ..
            } => offset += unchecked_range.len(),
            Payload::End(_) => break,
            _ => {}
        }
    }
    Ok((imports, exports))
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests;
