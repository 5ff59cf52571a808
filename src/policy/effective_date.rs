//! A version without `effective_date` is in effect on every date, so it
//! can only be the one version of its policy: in a folder of several
//! versions, every version states the date it takes effect.

use crate::diagnostic::Diagnostic;
use crate::diagnostic::span::Span;
use crate::policy::Policy;
use crate::policy::folder::PolicyError;
use crate::policy::load::LoadError;

/// An error for each version without an effective date, when there are
/// several versions.
pub(crate) fn undated_versions(versions: &[Policy]) -> Vec<PolicyError> {
    if versions.len() < 2 {
        return Vec::new();
    }
    versions
        .iter()
        .filter(|policy| policy.meta.stated_effective_date().is_none())
        .map(|policy| {
            let diagnostic = Diagnostic::new(
                "folder-missing-effective-date",
                format!(
                    "version `{}` has no `effective_date`, but its folder holds {} versions",
                    policy.meta.version,
                    versions.len()
                ),
                policy_table_span(policy),
            )
            .with_label("no `effective_date` in this table")
            .with_help(
                "each version in a folder takes effect on its own date: add `effective_date`, the first date this version governs, to its `[policy]`",
            );
            PolicyError::Invalid(LoadError {
                file: policy.file.clone(),
                diagnostics: vec![diagnostic],
            })
        })
        .collect()
}

/// The `[policy]` header line of a file, found by a plain search; the
/// start of the file when it is written another way.
fn policy_table_span(policy: &Policy) -> Span {
    let mut offset = 0;
    for line in policy.file.text.split_inclusive('\n') {
        if line.trim_end() == "[policy]" {
            return Span::new(offset, offset + "[policy]".len());
        }
        offset += line.len();
    }
    Span::empty(0)
}
