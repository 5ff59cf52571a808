//! Arbitrary text as a policy file: loading must return a policy or
//! diagnostics, never panic; a policy that loads must also decide.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ruling::SourceFile;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let file = SourceFile::new("fuzz.toml", text);
    match ruling::load(file.clone()) {
        Ok(policy) => {
            // A loaded policy must decide an empty request (rejected or
            // decided, never a panic). `ruling fmt` is not a library entry
            // point: the property tests format generated policies.
            let _ = ruling::decide_json(&policy, b"{}");
        }
        Err(error) => {
            // Rendering points into the file: spans must stay inside it.
            let _ = ruling::render_diagnostics(&error.diagnostics, &error.file, false, 80);
        }
    }
});
