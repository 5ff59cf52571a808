//! Policy folders: the versions of one policy, and the choice of the version
//! in effect for a request.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::diagnostic::span::Span;
use crate::diagnostic::suggest::list_names;
use crate::diagnostic::{Diagnostic, SourceFile};
use crate::limits::MAX_POLICY_BYTES;
use crate::policy::Policy;
use crate::policy::load::{LoadError, load, too_large};

/// Why a policy file or folder could not be used.
///
/// ```
/// match ruling::read_policy("policies/no-such-policy.toml".as_ref()) {
///     Err(ruling::PolicyError::Io { path, source }) => println!("{}: {source}", path.display()),
///     Err(ruling::PolicyError::Invalid(error)) => {
///         print!("{}", ruling::render_diagnostics(&error.diagnostics, &error.file, false, 80));
///     }
///     Err(other) => println!("{other}"),
///     Ok(policy) => println!("{}", policy.id()),
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// A file or folder could not be read.
    #[error("cannot read `{path}`: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A folder holds no policy file.
    #[error("`{0}` holds no policy files (`*.toml`)")]
    Empty(PathBuf),
    /// A symbolic link leads outside the folder given, or in a loop.
    #[error(transparent)]
    Link(#[from] LinkError),
    /// A policy file has problems.
    #[error(transparent)]
    Invalid(#[from] LoadError),
}

/// A symbolic link that is not followed. The messages name the link and
/// where it leads, never what the file there holds.
///
/// ```
/// let folder = std::env::temp_dir().join(format!("ruling-doc-link-{}", std::process::id()));
/// std::fs::create_dir_all(&folder)?;
/// let link = folder.join("outside.toml");
/// let _ = std::fs::remove_file(&link);
/// #[cfg(unix)]
/// std::os::unix::fs::symlink(std::fs::canonicalize("policies/steam/2024-04-23.toml")?, &link)?;
/// #[cfg(unix)]
/// if let Err(errors) = ruling::load_set(&folder) {
///     if let Some(ruling::PolicyError::Link(error)) = errors.first() {
///         assert_eq!(error.code(), "link-outside-folder");
///         assert_eq!(error.path(), link.as_path());
///     }
/// }
/// std::fs::remove_dir_all(&folder)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    /// A link leads outside the folder given.
    #[error(
        "`{path}` leads to `{target}` through a symbolic link, outside `{within}`, so it was not read"
    )]
    Outside {
        /// The link.
        path: PathBuf,
        /// Where it leads.
        target: PathBuf,
        /// The folder given.
        within: PathBuf,
    },
    /// A link leads to a folder that holds it.
    #[error(
        "`{path}` is a symbolic link to `{target}`, a folder that holds it: a loop, which a search would never leave"
    )]
    Loop {
        /// The link.
        path: PathBuf,
        /// Where it leads.
        target: PathBuf,
    },
}

impl LinkError {
    /// The link, or the file reached through one.
    ///
    /// ```
    /// let error = ruling::LinkError::Loop { path: "a/b".into(), target: "a".into() };
    /// assert_eq!(error.path(), std::path::Path::new("a/b"));
    /// # Ok::<(), ()>(())
    /// ```
    pub fn path(&self) -> &Path {
        match self {
            LinkError::Outside { path, .. } | LinkError::Loop { path, .. } => path,
        }
    }

    /// A stable, kebab-case name of the problem, for JSON output.
    ///
    /// ```
    /// let error = ruling::LinkError::Loop { path: "a/b".into(), target: "a".into() };
    /// assert_eq!(error.code(), "link-loop");
    /// # Ok::<(), ()>(())
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            LinkError::Outside { .. } => "link-outside-folder",
            LinkError::Loop { .. } => "link-loop",
        }
    }
}

/// One policy file or the versions of one policy in a folder, newest
/// effective date last.
///
/// ```
/// let set = ruling::load_set("policies/iptv-smarters-pro".as_ref()).map_err(|_| "not loaded")?;
/// let versions: Vec<&str> = set.versions.iter().map(|policy| policy.version()).collect();
/// assert_eq!(versions, ["2025-01-22", "2025-06-01"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct PolicySet {
    /// The versions, oldest effective date first.
    pub versions: Vec<Policy>,
    /// Whether the set came from a folder, so that the choice of version
    /// is worth reporting.
    pub(crate) from_folder: bool,
}

/// Why a policy id from outside (a server's or tool's caller) does not name
/// a policy folder under the root.
#[derive(Debug, thiserror::Error)]
#[allow(
    dead_code,
    reason = "kept for callers that take policy ids from outside; tested in policy_id_tests"
)]
pub(crate) enum PolicyIdError {
    #[error("`{0}` is not a valid policy id: use lowercase letters, digits and `-`")]
    InvalidId(String),
    #[error("no policy `{id}` under `{root}`")]
    NotFound { id: String, root: PathBuf },
    #[error("policy `{id}` leads outside `{root}`, through `{path}`")]
    Escapes {
        id: String,
        root: PathBuf,
        path: PathBuf,
    },
    #[error("cannot read `{path}`: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The folder of policy `id` under `root`, for a policy id that comes from
/// outside. The id must be a policy id (lowercase letters, digits and `-`,
/// not starting with `-`), so it cannot hold `..`, a separator or an
/// absolute path; the folder and its `*.toml` files, symlinks followed,
/// must stay under the canonical `root`. Returns the canonical folder.
#[allow(
    dead_code,
    reason = "kept for callers that take policy ids from outside; tested in policy_id_tests"
)]
pub(crate) fn policy_folder(root: &Path, id: &str) -> Result<PathBuf, PolicyIdError> {
    let valid = id.len() <= 128
        && !id.starts_with('-')
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.is_empty();
    if !valid {
        return Err(PolicyIdError::InvalidId(id.to_owned()));
    }
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| PolicyIdError::Io { path, source }
    };
    let root = fs::canonicalize(root).map_err(io(root))?;
    let joined = root.join(id);
    let folder = match fs::canonicalize(&joined) {
        Ok(folder) => folder,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Err(PolicyIdError::NotFound {
                id: id.to_owned(),
                root,
            });
        }
        Err(error) => return Err(io(&joined)(error)),
    };
    let escapes = |path: &Path| PolicyIdError::Escapes {
        id: id.to_owned(),
        root: root.clone(),
        path: path.to_owned(),
    };
    if !folder.starts_with(&root) || folder == root {
        return Err(escapes(&joined));
    }
    if !folder.is_dir() {
        return Err(PolicyIdError::NotFound {
            id: id.to_owned(),
            root,
        });
    }
    // The files are read through the folder: a symlinked version file could
    // lead out as well as a symlinked folder.
    for entry in fs::read_dir(&folder).map_err(io(&folder))? {
        let path = entry.map_err(io(&folder))?.path();
        if path.extension().is_some_and(|ext| ext == "toml") {
            let target = fs::canonicalize(&path).map_err(io(&path))?;
            if !target.starts_with(&root) {
                return Err(escapes(&path));
            }
        }
    }
    Ok(folder)
}

/// Reads a policy file and checks it.
///
/// ```
/// let policy = ruling::read_policy("policies/steam/2024-04-23.toml".as_ref())?;
/// assert_eq!(policy.id(), "steam");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_policy(path: &Path) -> Result<Policy, PolicyError> {
    let io = |source| PolicyError::Io {
        path: path.to_owned(),
        source,
    };
    // A file past the limit is refused before it is read into memory.
    let size = fs::metadata(path).map_err(io)?.len();
    if size > MAX_POLICY_BYTES as u64 {
        let file = SourceFile::new(path.display().to_string(), "");
        return Err(too_large(file, usize::try_from(size).unwrap_or(usize::MAX)).into());
    }
    let text = fs::read_to_string(path).map_err(io)?;
    Ok(load(SourceFile::new(path.display().to_string(), text))?)
}

/// The `*.toml` files directly in `folder`, sorted by name. A file that
/// leads outside `folder` through a symbolic link is refused.
pub(crate) fn policy_files(folder: &Path) -> Result<Vec<PathBuf>, PolicyError> {
    files_within(folder, "toml", folder)
}

/// The files directly in `folder` whose names end in `.{extension}`,
/// sorted. Each must be, symbolic links followed, inside `within`: a link
/// that leads elsewhere is refused, a broken link is passed over.
pub(crate) fn files_within(
    folder: &Path,
    extension: &str,
    within: &Path,
) -> Result<Vec<PathBuf>, PolicyError> {
    let within = canonical(within)?;
    let mut files = Vec::new();
    for entry in fs::read_dir(folder).map_err(io_error(folder))? {
        let path = entry.map_err(io_error(folder))?.path();
        if path.extension().is_none_or(|ext| ext != extension) {
            continue;
        }
        let target = match fs::canonicalize(&path) {
            Ok(target) => target,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => continue,
            Err(source) => return Err(PolicyError::Io { path, source }),
        };
        if !target.is_file() {
            continue;
        }
        if !target.starts_with(&within) {
            return Err(LinkError::Outside {
                path,
                target,
                within,
            }
            .into());
        }
        files.push(path);
    }
    files.sort();
    Ok(files)
}

fn io_error(path: &Path) -> impl Fn(std::io::Error) -> PolicyError + '_ {
    move |source| PolicyError::Io {
        path: path.to_owned(),
        source,
    }
}

/// The path with every symbolic link resolved: what a folder given by the
/// user really is, so that the root may be given as a link. The empty
/// path (the parent of a bare file name) is the current folder.
fn canonical(path: &Path) -> Result<PathBuf, PolicyError> {
    let path = if path.as_os_str().is_empty() {
        Path::new(".")
    } else {
        path
    };
    fs::canonicalize(path).map_err(io_error(path))
}

/// Loads a policy file, or every version in a policy folder. All problems
/// are returned, one entry per file, plus folder-level problems.
///
/// ```
/// let set = match ruling::load_set("policies/iptv-smarters-pro".as_ref()) {
///     Ok(set) => set,
///     Err(errors) => {
///         errors.iter().for_each(|error| eprintln!("{error}"));
///         return Err("the policy does not load".into());
///     }
/// };
/// assert_eq!(set.versions.len(), 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn load_set(path: &Path) -> Result<PolicySet, Vec<PolicyError>> {
    if !path.is_dir() {
        return read_policy(path)
            .map(|policy| PolicySet {
                versions: vec![policy],
                from_folder: false,
            })
            .map_err(|error| vec![error]);
    }
    let files = policy_files(path).map_err(|error| vec![error])?;
    if files.is_empty() {
        return Err(vec![PolicyError::Empty(path.to_owned())]);
    }
    let (versions, errors): (Vec<_>, Vec<_>) = files
        .iter()
        .map(|file| read_policy(file))
        .partition(Result::is_ok);
    let mut errors: Vec<PolicyError> = errors.into_iter().filter_map(Result::err).collect();
    let mut versions: Vec<Policy> = versions.into_iter().filter_map(Result::ok).collect();
    versions.sort_by_key(|policy| policy.meta.effective_date);
    errors.extend(check_versions(&versions));
    if errors.is_empty() {
        Ok(PolicySet {
            versions,
            from_folder: true,
        })
    } else {
        Err(errors)
    }
}

/// The versions of a folder must be one policy with distinct versions and
/// effective dates, so that exactly one is in effect on any date, and agree
/// on how a date is read and what comes before the earliest version.
pub(crate) fn check_versions(versions: &[Policy]) -> Vec<PolicyError> {
    let undated = super::effective_date::undated_versions(versions);
    if !undated.is_empty() {
        return undated;
    }
    let mut errors = Vec::new();
    for (index, policy) in versions.iter().enumerate() {
        let earlier = versions.get(..index).unwrap_or_default();
        let problem = earlier
            .iter()
            .find_map(|other| version_clash(policy, other));
        if let Some(diagnostic) = problem {
            errors.push(PolicyError::Invalid(LoadError {
                file: policy.file.clone(),
                diagnostics: vec![diagnostic],
            }));
        }
    }
    errors
}

fn version_clash(policy: &Policy, other: &Policy) -> Option<Diagnostic> {
    let at = |key: &str| key_span(&policy.file, key);
    if policy.meta.id != other.meta.id {
        return Some(
            Diagnostic::new(
                "folder-mixed-policies",
                format!(
                    "this folder holds policy `{}` and policy `{}`",
                    other.meta.id, policy.meta.id
                ),
                at("id"),
            )
            .with_label("a different policy id")
            .with_help(format!(
                "a folder holds the versions of one policy; move this file, or set `id = \"{}\"`",
                other.meta.id
            )),
        );
    }
    if policy.meta.version == other.meta.version {
        return Some(
            Diagnostic::new(
                "folder-duplicate-version",
                format!(
                    "version `{}` is also declared in `{}`",
                    policy.meta.version, other.file.name
                ),
                at("version"),
            )
            .with_label("the same version twice")
            .with_help("give each version of the policy its own `version`"),
        );
    }
    if policy.meta.effective_date == other.meta.effective_date {
        return Some(
            Diagnostic::new(
                "folder-overlapping-versions",
                format!(
                    "versions `{}` and `{}` both take effect on {}",
                    other.meta.version, policy.meta.version, policy.meta.effective_date
                ),
                at("effective_date"),
            )
            .with_label("the same effective date")
            .with_help("each version governs from its own effective date until the next one; change one of the dates"),
        );
    }
    let field = |policy: &Policy| {
        policy
            .meta
            .effective_date_field
            .and_then(|slot| policy.schema.field(slot))
            .map(|field| field.path.clone())
    };
    if field(policy) != field(other) {
        return Some(
            Diagnostic::new(
                "folder-mixed-date-fields",
                format!(
                    "`effective_date_field` differs from `{}`, which uses {}",
                    other.file.name,
                    field(other).map_or("none".to_owned(), |path| format!("`{path}`"))
                ),
                at("effective_date_field"),
            )
            .with_label("a different field")
            .with_help(
                "all versions in a folder must pick their version by the same request field",
            ),
        );
    }
    let (mine, theirs) = (
        policy.meta.before_first_version,
        other.meta.before_first_version,
    );
    if mine != theirs {
        // Left out, the key is `reject`; the label then sits by the
        // effective date, which every version has.
        let written = at("before_first_version");
        let (span, label) = if written.is_empty() {
            (
                at("effective_date"),
                "`before_first_version` is left out here: `reject`",
            )
        } else {
            (written, "a different choice")
        };
        return Some(
            Diagnostic::new(
                "folder-mixed-before-first-version",
                format!(
                    "`before_first_version` is `{}` here and `{}` in `{}`",
                    mine.keyword(),
                    theirs.keyword(),
                    other.file.name
                ),
                span,
            )
            .with_label(label)
            .with_help(
                "what a request dated before the earliest version gets is the folder's choice, so every version must say the same (`reject` when the key is left out)",
            ),
        );
    }
    None
}

/// The span of `key = …` in a file, found by a plain search, for
/// folder-level errors that have no node at hand.
fn key_span(file: &SourceFile, key: &str) -> Span {
    let mut offset = 0;
    for line in file.text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix(key)
            && rest.trim_start().starts_with('=')
        {
            let start = offset + (line.len() - trimmed.len());
            return Span::new(
                start,
                start + line.trim_end().len() - (line.len() - trimmed.len()),
            );
        }
        offset += line.len();
    }
    Span::empty(0)
}

/// What a policy folder does with a request dated before its earliest
/// version: `before_first_version` under `[policy]`, the same in every
/// version of the folder.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum BeforeFirstVersion {
    /// The request is rejected: no version is in effect on its date.
    #[default]
    Reject,
    /// The earliest version decides it.
    Earliest,
}

impl BeforeFirstVersion {
    pub(crate) const ALL: [BeforeFirstVersion; 2] =
        [BeforeFirstVersion::Reject, BeforeFirstVersion::Earliest];

    /// The keywords of the policy file, in the order of [`Self::ALL`].
    pub(crate) const KEYWORDS: [&'static str; 2] = ["reject", "earliest"];

    pub(crate) fn keyword(self) -> &'static str {
        match self {
            BeforeFirstVersion::Reject => "reject",
            BeforeFirstVersion::Earliest => "earliest",
        }
    }

    pub(crate) fn from_keyword(keyword: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|choice| choice.keyword() == keyword)
    }
}

/// The version chosen for a request, and why, in words.
///
/// ```
/// let set = ruling::load_set("policies/iptv-smarters-pro".as_ref()).map_err(|_| "not loaded")?;
/// let selected = set.select(br#"{"purchase": {"date": "2025-07-01"}}"#, &ruling::Choice::ByRequest)?;
/// assert_eq!(selected.policy.version(), "2025-06-01");
/// println!("{}", selected.why);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Selected<'a> {
    /// The version.
    pub policy: &'a Policy,
    /// Why it was chosen, for the decision's `policy.selected`; empty for
    /// a single file.
    pub why: String,
}

/// How to choose the version that decides.
///
/// ```
/// let set = ruling::load_set("policies/iptv-smarters-pro".as_ref()).map_err(|_| "not loaded")?;
/// let on_date = ruling::Choice::At(chrono::NaiveDate::from_ymd_opt(2025, 3, 1).ok_or("no date")?);
/// assert_eq!(set.select(b"{}", &on_date)?.policy.version(), "2025-01-22");
/// let named = ruling::Choice::Version("2025-06-01".into());
/// assert_eq!(set.select(b"{}", &named)?.policy.version(), "2025-06-01");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default)]
pub enum Choice {
    /// The version in effect on the date the request gives in the policy's
    /// `effective_date_field`.
    #[default]
    ByRequest,
    /// The version in effect on this date.
    At(NaiveDate),
    /// This version, whatever the dates.
    Version(String),
}

/// Why no version could be chosen.
///
/// ```
/// let set = ruling::load_set("policies/iptv-smarters-pro".as_ref()).map_err(|_| "not loaded")?;
/// let unknown = ruling::Choice::Version("1999-01-01".into());
/// assert!(matches!(set.select(b"{}", &unknown), Err(ruling::SelectError::UnknownVersion { .. })));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, thiserror::Error)]
pub enum SelectError {
    /// The request's date is before the earliest version.
    #[error(
        "no version of `{id}` is in effect on {date}: the earliest takes effect on {earliest}; to decide it anyway, choose a version (`--version`) or a date (`--at`), or let the earliest version decide such requests with `before_first_version = \"earliest\"` in `[policy]`"
    )]
    NotInEffect {
        /// The policy's id.
        id: String,
        /// The request's date.
        date: NaiveDate,
        /// The earliest version's effective date.
        earliest: NaiveDate,
    },
    /// No version has the name asked for.
    #[error("`{id}` has no version `{version}`; its versions are {known}")]
    UnknownVersion {
        /// The policy's id.
        id: String,
        /// The version asked for.
        version: String,
        /// The versions there are, in words.
        known: String,
    },
    /// The set holds no version.
    #[error("the policy set holds no version")]
    Empty,
}

impl PolicySet {
    /// The version that decides `request`. By default the newest whose
    /// effective date is on or before the date of the policy's
    /// `effective_date_field`; a request without that date is decided by the
    /// newest version. A date before the earliest version is an error,
    /// unless the folder says `before_first_version = "earliest"`: then the
    /// earliest version decides.
    ///
    /// `request` is the request's JSON text; only the date is read from it,
    /// without building the document. Text that is not JSON is decided by
    /// the newest version, whose decoding then reports the problem.
    ///
    /// ```
    /// let set = ruling::load_set("policies/iptv-smarters-pro".as_ref()).map_err(|_| "not loaded")?;
    /// let before = br#"{"purchase": {"date": "2025-03-05"}}"#;
    /// assert_eq!(set.select(before, &ruling::Choice::ByRequest)?.policy.version(), "2025-01-22");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn select(&self, request: &[u8], choice: &Choice) -> Result<Selected<'_>, SelectError> {
        let newest = self.versions.last().ok_or(SelectError::Empty)?;
        match choice {
            Choice::Version(version) => self.by_version(version),
            Choice::At(date) => self.in_effect(*date, format!("asked for {date}")),
            Choice::ByRequest if !self.from_folder => Ok(Selected {
                policy: newest,
                why: String::new(),
            }),
            Choice::ByRequest => {
                let field = newest
                    .meta
                    .effective_date_field
                    .and_then(|slot| newest.schema.field(slot));
                let Some(field) = field else {
                    return Ok(Selected {
                        policy: newest,
                        why: format!(
                            "version {} is the newest; the policy names no date field",
                            newest.meta.version
                        ),
                    });
                };
                match request_date(request, &field.path, newest) {
                    Some(date) => self.in_effect(date, format!("`{}` is {date}", field.path)),
                    None => Ok(Selected {
                        policy: newest,
                        why: format!(
                            "the request gives no valid `{}`, so the newest version decides",
                            field.path
                        ),
                    }),
                }
            }
        }
    }

    fn in_effect(&self, date: NaiveDate, because: String) -> Result<Selected<'_>, SelectError> {
        let chosen = self
            .versions
            .iter()
            .rev()
            .find(|policy| policy.meta.effective_date <= date);
        match (chosen, self.versions.first()) {
            (Some(policy), _) => Ok(Selected {
                policy,
                why: format!(
                    "{because}; version {} is in effect from {}",
                    policy.meta.version,
                    policy.meta.in_effect_from()
                ),
            }),
            (None, Some(earliest))
                if earliest.meta.before_first_version == BeforeFirstVersion::Earliest =>
            {
                Ok(Selected {
                    policy: earliest,
                    why: format!(
                        "{because}, before the earliest version; version {} (in effect from {}) decides it, as `before_first_version = \"earliest\"` says",
                        earliest.meta.version, earliest.meta.effective_date
                    ),
                })
            }
            (None, Some(earliest)) => Err(SelectError::NotInEffect {
                id: earliest.meta.id.clone(),
                date,
                earliest: earliest.meta.effective_date,
            }),
            (None, None) => Err(SelectError::Empty),
        }
    }

    fn by_version(&self, version: &str) -> Result<Selected<'_>, SelectError> {
        let found = self
            .versions
            .iter()
            .find(|policy| policy.meta.version == version);
        match (found, self.versions.first()) {
            (Some(policy), _) => Ok(Selected {
                policy,
                why: format!("version {version} was asked for"),
            }),
            (None, Some(first)) => Err(SelectError::UnknownVersion {
                id: first.meta.id.clone(),
                version: version.to_owned(),
                known: list_names(
                    self.versions
                        .iter()
                        .map(|policy| policy.meta.version.as_str()),
                    10,
                ),
            }),
            (None, None) => Err(SelectError::Empty),
        }
    }
}

fn request_date(request: &[u8], path: &str, policy: &Policy) -> Option<NaiveDate> {
    let parts: Vec<&str> = path.split('.').collect();
    let text = string_at(request, &parts)?;
    let text = text.trim();
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Some(date);
    }
    let time = chrono::DateTime::parse_from_rfc3339(text).ok()?;
    Some(time.with_timezone(&policy.meta.timezone).date_naive())
}

/// The string at the member path `parts` of a JSON document, read in one
/// pass that skips every other member. `None` when the text is not JSON or
/// the path does not lead to a string; a member given twice counts by its
/// last occurrence, as when the whole document is parsed.
fn string_at(json: &[u8], parts: &[&str]) -> Option<String> {
    let mut deserializer = serde_json::Deserializer::from_slice(json);
    let found = PathSeed { rest: parts }
        .deserialize(&mut deserializer)
        .ok()?;
    deserializer.end().ok()?;
    found
}

/// Follows the rest of a member path through one JSON value.
struct PathSeed<'p> {
    rest: &'p [&'p str],
}

impl<'de> DeserializeSeed<'de> for PathSeed<'_> {
    type Value = Option<String>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for PathSeed<'_> {
    type Value = Option<String>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        Ok(self.rest.is_empty().then(|| text.to_owned()))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut found = None;
        while let Some(on_path) = map.next_key_seed(KeyIs(self.rest.first().copied()))? {
            match self.rest.split_first() {
                Some((_, rest)) if on_path => found = map.next_value_seed(PathSeed { rest })?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(found)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

/// Reads a member name and tells whether it is the one looked for.
struct KeyIs<'p>(Option<&'p str>);

impl<'de> DeserializeSeed<'de> for KeyIs<'_> {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeyIs<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a member name")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<bool, E> {
        Ok(self.0 == Some(name))
    }
}

/// The result of checking files and folders: the policies that loaded and
/// every problem found.
#[derive(Debug, Default)]
pub(crate) struct CheckReport {
    pub(crate) valid: Vec<Policy>,
    pub(crate) problems: Vec<PolicyError>,
    /// How many policy files were found.
    pub(crate) files: usize,
}

impl PolicyError {
    /// The file or folder the problem is about.
    pub(crate) fn file_name(&self) -> String {
        match self {
            PolicyError::Io { path, .. } | PolicyError::Empty(path) => path.display().to_string(),
            PolicyError::Link(link) => link.path().display().to_string(),
            PolicyError::Invalid(error) => error.file.name.clone(),
        }
    }
}

/// Checks policy files and folders. A folder is searched for policy
/// folders (any folder holding `*.toml` files; `cases` folders are skipped),
/// and the versions in each are checked together.
pub(crate) fn check_paths(paths: &[PathBuf]) -> CheckReport {
    let mut report = CheckReport::default();
    for path in paths {
        if path.is_dir() {
            match policy_folders(path) {
                Ok(folders) if folders.is_empty() => {
                    report.problems.push(PolicyError::Empty(path.clone()))
                }
                Ok(folders) => {
                    for folder in folders {
                        report.files += policy_files(&folder).map_or(0, |files| files.len());
                        absorb(&mut report, load_set(&folder));
                    }
                }
                Err(error) => report.problems.push(error),
            }
        } else {
            if path.is_file() {
                report.files += 1;
            }
            absorb(&mut report, load_set(path));
        }
    }
    report
}

/// The policy files that `paths` name: files as given, and the `*.toml`
/// files of the policy folders found the way [`check_paths`] finds them. A
/// folder without any, or one that cannot be read, is a problem.
pub(crate) fn find_policy_files(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<PolicyError>) {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for path in paths {
        if !path.is_dir() {
            files.push(path.clone());
            continue;
        }
        let found = policy_folders(path).and_then(|folders| {
            folders.iter().try_fold(Vec::new(), |mut found, folder| {
                found.extend(policy_files(folder)?);
                Ok(found)
            })
        });
        match found {
            Ok(found) if found.is_empty() => problems.push(PolicyError::Empty(path.clone())),
            Ok(found) => files.extend(found),
            Err(error) => problems.push(error),
        }
    }
    (files, problems)
}

fn absorb(report: &mut CheckReport, result: Result<PolicySet, Vec<PolicyError>>) {
    match result {
        Ok(set) => report.valid.extend(set.versions),
        Err(errors) => report.problems.extend(errors),
    }
}

/// `root` and the folders below it that hold `*.toml` files, sorted.
/// `cases` folders and hidden folders are skipped.
pub(crate) fn policy_folders(root: &Path) -> Result<Vec<PathBuf>, PolicyError> {
    let mut found = Vec::new();
    for folder in folders_below(root)? {
        if !policy_files(&folder)?.is_empty() {
            found.push(folder);
        }
    }
    Ok(found)
}

/// `root` and every folder below it, at any depth, sorted; `cases`
/// folders and hidden folders are not searched.
///
/// A symbolic link to a folder is followed when it leads to a folder
/// inside `root` (symbolic links in `root` itself resolved) that does not
/// hold the link; a link that leads outside, or to a folder holding it (a
/// loop), is refused. A folder reached twice is searched once.
pub(crate) fn folders_below(root: &Path) -> Result<Vec<PathBuf>, PolicyError> {
    let within = canonical(root)?;
    let mut searched: HashSet<PathBuf> = HashSet::new();
    let mut found = Vec::new();
    // Each folder as it is named and as it really is.
    let mut pending = vec![(root.to_owned(), within.clone())];
    // Folders reached through links wait until the folders below `root`
    // are found, so that a folder reached both ways goes by its own name.
    let mut linked = Vec::new();
    while let Some((folder, real)) = pending.pop().or_else(|| linked.pop()) {
        if !searched.insert(real.clone()) {
            continue;
        }
        let mut entries: Vec<fs::DirEntry> = fs::read_dir(&folder)
            .map_err(io_error(&folder))?
            .flatten()
            .collect();
        entries.sort_by_key(fs::DirEntry::file_name);
        for entry in entries {
            let name = entry.file_name();
            if name == "cases" || name.to_string_lossy().starts_with('.') {
                continue;
            }
            let path = entry.path();
            let kind = entry.file_type().map_err(io_error(&path))?;
            if kind.is_dir() {
                pending.push((path, real.join(name)));
            } else if kind.is_symlink()
                && let Some(target) = linked_folder(&path, &real, &within)?
            {
                linked.push((path, target));
            }
        }
        found.push(folder);
    }
    found.sort();
    Ok(found)
}

/// Where the symbolic link `path`, in the folder `real`, leads when it
/// leads to a folder to search; `None` for a link to a file or a broken
/// link.
fn linked_folder(path: &Path, real: &Path, within: &Path) -> Result<Option<PathBuf>, PolicyError> {
    let target = match fs::canonicalize(path) {
        Ok(target) => target,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(PolicyError::Io {
                path: path.to_owned(),
                source,
            });
        }
    };
    if !target.is_dir() {
        return Ok(None);
    }
    let path = path.to_owned();
    if !target.starts_with(within) {
        let within = within.to_owned();
        return Err(LinkError::Outside {
            path,
            target,
            within,
        }
        .into());
    }
    if real.starts_with(&target) {
        return Err(LinkError::Loop { path, target }.into());
    }
    Ok(Some(target))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(json: &str, path: &str) -> Option<String> {
        let parts: Vec<&str> = path.split('.').collect();
        string_at(json.as_bytes(), &parts)
    }

    #[test]
    fn the_string_at_a_path_is_read_as_a_whole_parse_would_read_it() {
        let json = r#"{"a": {"skip": [1, {"b": "x"}], "b": "2025-03-01"}, "b": "top"}"#;
        assert_eq!(at(json, "a.b").as_deref(), Some("2025-03-01"));
        assert_eq!(at(json, "b").as_deref(), Some("top"));
        assert_eq!(at(json, "a"), None, "an object is not a string");
        assert_eq!(at(json, "a.b.c"), None, "a path through a string");
        assert_eq!(at(json, "a.skip"), None, "an array is not a string");
        assert_eq!(at(json, "a.missing"), None);
    }

    #[test]
    fn a_member_given_twice_counts_by_its_last_occurrence() {
        assert_eq!(at(r#"{"d": "1", "d": "2"}"#, "d").as_deref(), Some("2"));
        assert_eq!(at(r#"{"d": "1", "d": 5}"#, "d"), None);
        assert_eq!(at(r#"{"a": {"d": "1"}, "a": {}}"#, "a.d"), None);
    }

    #[test]
    fn escaped_names_and_values_are_read_unescaped() {
        assert_eq!(
            at(r#"{"\u0061": {"d": "2025-\u00303-01"}}"#, "a.d").as_deref(),
            Some("2025-03-01")
        );
    }

    #[test]
    fn text_that_is_not_json_has_no_string_anywhere() {
        assert_eq!(at(r#"{"d": "2025-03-01""#, "d"), None);
        assert_eq!(at(r#"{"d": "2025-03-01"} trailing"#, "d"), None);
        assert_eq!(at("", "d"), None);
        assert_eq!(at("\u{ff}", "d"), None);
    }
}
