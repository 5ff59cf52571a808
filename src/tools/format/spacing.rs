//! The white space and comments around keys, values and table headers: the
//! raw text TOML keeps between the things that carry meaning. Comments are
//! never dropped; only blank lines, indentation and trailing spaces change.

/// Whether a blank line separates a key or table header from what comes
/// before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Blank {
    /// The first key of a table, or the first line of the file.
    Never,
    /// A table header: tables are one blank line apart.
    Always,
    /// Any other key: a blank line stays where the author put one.
    AsWritten,
}

/// The lines before a key or table header, which hold only comments and
/// blank lines: comments lose their indentation and trailing spaces, runs
/// of blank lines become one, and the blank line before them follows `blank`.
pub(super) fn block(raw: &str, blank: Blank) -> String {
    let mut lines: Vec<&str> = raw.split('\n').collect();
    // The last piece is the indentation of the key or header itself.
    lines.pop();
    let written_blank = lines.first().is_some_and(|line| line.trim().is_empty());
    let mut out = String::new();
    if blank == Blank::Always || (blank == Blank::AsWritten && written_blank) {
        out.push('\n');
    }
    push_comments(&mut out, &lines);
    out
}

/// The comments and blank lines after the last key of the file: kept, with
/// at most one blank line between them, and the file ends with one newline.
pub(super) fn end(raw: &str) -> String {
    let lines: Vec<&str> = raw.split('\n').collect();
    if !lines.iter().any(|line| is_comment(line)) {
        return String::new();
    }
    let mut out = String::new();
    if lines.first().is_some_and(|line| line.trim().is_empty()) {
        out.push('\n');
    }
    push_comments(&mut out, &lines);
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

/// Writes the comment lines of `lines`, each on its own line, keeping one
/// blank line where the author left one or more between or after them.
fn push_comments(out: &mut String, lines: &[&str]) {
    let mut seen_comment = false;
    let mut pending_blank = false;
    for line in lines {
        let line = line.trim();
        if line.is_empty() {
            pending_blank = seen_comment;
            continue;
        }
        if pending_blank {
            out.push('\n');
            pending_blank = false;
        }
        out.push_str(line);
        out.push('\n');
        seen_comment = true;
    }
    if pending_blank {
        out.push('\n');
    }
}

fn is_comment(line: &str) -> bool {
    line.trim_start().starts_with('#')
}

/// What follows a value or header on its line: nothing, or a comment. The
/// space before the comment is kept as written, so comments aligned in a
/// column stay aligned.
pub(super) fn line_end(raw: &str) -> String {
    match raw.split_once('#') {
        None => String::new(),
        Some((padding, comment)) => {
            let padding = if padding.is_empty() { " " } else { padding };
            format!("{padding}#{}", comment.trim_end())
        }
    }
}

/// Space that can only be white space (around `=`, inside a header's
/// brackets, around the dots of a key): `wanted`. Anything else is kept,
/// since a comment must never be lost.
pub(super) fn only_space(raw: &str, wanted: &str) -> String {
    if raw.trim().is_empty() {
        wanted.to_owned()
    } else {
        raw.to_owned()
    }
}

/// Decoration inside a list or inline table that holds comments, whose
/// layout is kept: only the spaces at the ends of its lines go.
pub(super) fn tidy(raw: &str) -> String {
    let mut lines: Vec<&str> = raw.split('\n').collect();
    let last = lines.pop().unwrap_or_default();
    let mut out = String::new();
    for line in lines {
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out.push_str(last);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_above_a_key_lose_indentation_and_extra_blank_lines() {
        let raw = "\n\n\n   # one   \n\n\n# two\n  ";
        assert_eq!(block(raw, Blank::AsWritten), "\n# one\n\n# two\n");
        assert_eq!(block(raw, Blank::Never), "# one\n\n# two\n");
    }

    #[test]
    fn a_blank_line_between_a_comment_and_its_table_stays() {
        assert_eq!(block("# section\n\n", Blank::Always), "\n# section\n\n");
    }

    #[test]
    fn tables_are_one_blank_line_apart() {
        assert_eq!(block("", Blank::Always), "\n");
        assert_eq!(block("\n\n\n", Blank::Always), "\n");
        assert_eq!(block("\n\n", Blank::Never), "");
    }

    #[test]
    fn keys_keep_a_blank_line_only_where_one_was() {
        assert_eq!(block("", Blank::AsWritten), "");
        assert_eq!(block("\n\n", Blank::AsWritten), "\n");
    }

    #[test]
    fn trailing_comments_keep_their_alignment() {
        assert_eq!(line_end("     # note  "), "     # note");
        assert_eq!(line_end("#note"), " #note");
        assert_eq!(line_end("   "), "");
    }

    #[test]
    fn the_end_of_the_file_keeps_its_comments() {
        assert_eq!(end(""), "");
        assert_eq!(end("\n\n"), "");
        assert_eq!(end("\n\n# last  \n\n\n"), "\n# last\n");
        assert_eq!(end("# no newline"), "# no newline\n");
    }

    #[test]
    fn space_that_holds_a_comment_is_kept() {
        assert_eq!(only_space("   ", " "), " ");
        assert_eq!(only_space(" # x\n", ""), " # x\n");
    }

    #[test]
    fn tidy_keeps_the_layout_of_commented_lists() {
        assert_eq!(tidy("   # one   \n  # two\t\n  "), "   # one\n  # two\n  ");
    }
}
