//! "Did you mean" hints for misspelled names.

/// The candidate closest to `typo`, when it is close enough to be a likely
/// misspelling (case differences always are).
pub(crate) fn closest<'a>(
    typo: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let lowered = typo.to_lowercase();
    candidates
        .into_iter()
        .map(|candidate| {
            let distance = strsim::damerau_levenshtein(&lowered, &candidate.to_lowercase());
            (distance, candidate)
        })
        .filter(|(distance, candidate)| *distance <= max_distance(typo.len().max(candidate.len())))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

fn max_distance(length: usize) -> usize {
    match length {
        0..=3 => 1,
        4..=8 => 2,
        _ => 3,
    }
}

/// `did you mean `x`?`, or nothing.
pub(crate) fn did_you_mean<'a>(
    typo: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    closest(typo, candidates).map(|found| format!("did you mean `{found}`?"))
}

/// Lists names in backticks, at most `limit` of them.
pub(crate) fn list_names<'a>(names: impl IntoIterator<Item = &'a str>, limit: usize) -> String {
    let names: Vec<&str> = names.into_iter().collect();
    let mut shown: Vec<String> = names
        .iter()
        .take(limit)
        .map(|name| format!("`{name}`"))
        .collect();
    if names.len() > limit {
        shown.push(format!("and {} more", names.len() - limit));
    }
    shown.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_close_name() {
        assert_eq!(
            closest("purchase.dat", ["purchase.date", "request.date"]),
            Some("purchase.date")
        );
    }

    #[test]
    fn ignores_distant_names() {
        assert_eq!(closest("zzz", ["purchase.date"]), None);
    }

    #[test]
    fn catches_case_differences() {
        assert_eq!(closest("Approve", ["approve", "deny"]), Some("approve"));
    }

    #[test]
    fn lists_with_a_limit() {
        assert_eq!(list_names(["a", "b", "c"], 2), "`a`, `b`, and 1 more");
    }
}
