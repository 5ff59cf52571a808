//! Arbitrary text as a policy file: loading must return a policy or
//! diagnostics, never panic; a policy that loads must also format.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ruling::diagnostic::SourceFile;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let file = SourceFile::new("fuzz.toml", text);
    match ruling::load(file.clone()) {
        Ok(policy) => {
            // A loaded policy must format, and decide an empty request
            // (rejected or decided, never a panic).
            let _ = ruling::tools::format::format_policy(&file);
            let _ = ruling::decide_json(&policy, b"{}");
        }
        Err(error) => {
            // Rendering points into the file: spans must stay inside it.
            let _ = ruling::diagnostic::render(&error.diagnostics, &error.file, false, 80);
        }
    }
});
