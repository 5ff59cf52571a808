//! The policies a server answers for: every policy folder under one root,
//! loaded and checked together, keyed by policy id.
//!
//! A request names a policy by id and the id is only ever looked up here;
//! no file path is built from a request, so no request can reach a file
//! outside the catalog.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arc_swap::ArcSwap;

use crate::diagnostic::{SourceFile, render};
use crate::policy::folder::{PolicyError, PolicySet, load_set, policy_folders};
use crate::policy::load::load;
use crate::tools::lint::coverage::covered_set;

/// Why a catalog could not be loaded.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CatalogError {
    #[error(transparent)]
    Policy(#[from] PolicyError),
    #[error("`{0}` holds no policy folders (folders with `*.toml` files)")]
    Empty(PathBuf),
    #[error("policy `{id}` is in two folders, `{first}` and `{second}`")]
    DuplicateId {
        id: String,
        first: PathBuf,
        second: PathBuf,
    },
}

impl CatalogError {
    /// The problem for a log: diagnostics with their source lines, without
    /// colour, since a server's stderr usually goes to a file.
    pub(crate) fn render(&self) -> String {
        match self {
            CatalogError::Policy(PolicyError::Invalid(error)) => {
                render(&error.diagnostics, &error.file, false, 100)
            }
            other => format!("error: {other}\n"),
        }
    }
}

/// Every policy under a root folder, each with all its versions.
#[derive(Debug)]
pub(crate) struct Catalog {
    root: PathBuf,
    policies: BTreeMap<String, Entry>,
}

#[derive(Debug)]
struct Entry {
    folder: PathBuf,
    set: PolicySet,
}

impl Catalog {
    /// Loads every policy folder under `root`, the way `ruling check`
    /// finds them. Every problem is returned, and any problem means no
    /// catalog: a server never answers from a half-loaded set.
    pub(crate) fn load(root: &Path) -> Result<Catalog, Vec<CatalogError>> {
        let folders = policy_folders(root).map_err(|error| vec![error.into()])?;
        if folders.is_empty() {
            return Err(vec![CatalogError::Empty(root.to_owned())]);
        }
        let mut policies: BTreeMap<String, Entry> = BTreeMap::new();
        let mut errors = Vec::new();
        for folder in folders {
            let set = match load_set(&folder).and_then(covered_set) {
                Ok(set) => set,
                Err(problems) => {
                    errors.extend(problems.into_iter().map(CatalogError::from));
                    continue;
                }
            };
            let Some(id) = set.versions.first().map(|policy| policy.meta.id.clone()) else {
                errors.push(CatalogError::Policy(PolicyError::Empty(folder)));
                continue;
            };
            if let Some(first) = policies.get(&id) {
                errors.push(CatalogError::DuplicateId {
                    id,
                    first: first.folder.clone(),
                    second: folder,
                });
                continue;
            }
            policies.insert(id, Entry { folder, set });
        }
        if errors.is_empty() {
            Ok(Catalog {
                root: root.to_owned(),
                policies,
            })
        } else {
            Err(errors)
        }
    }

    /// The folder the catalog was loaded from.
    pub(crate) fn root(&self) -> &Path {
        &self.root
    }

    /// The versions of the policy `id`, if it is loaded.
    pub(crate) fn get(&self, id: &str) -> Option<&PolicySet> {
        self.policies.get(id).map(|entry| &entry.set)
    }

    /// Every policy, by id in alphabetical order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, &PolicySet)> {
        self.policies
            .iter()
            .map(|(id, entry)| (id.as_str(), &entry.set))
    }

    /// The folder the policy `id` was loaded from, if it is loaded.
    pub(crate) fn folder(&self, id: &str) -> Option<&Path> {
        self.policies.get(id).map(|entry| entry.folder.as_path())
    }

    pub(crate) fn ids(&self) -> impl Iterator<Item = &str> {
        self.policies.keys().map(String::as_str)
    }

    pub(crate) fn len(&self) -> usize {
        self.policies.len()
    }

    /// How many policy versions are loaded in all.
    pub(crate) fn versions(&self) -> usize {
        self.policies
            .values()
            .map(|entry| entry.set.versions.len())
            .sum()
    }
}

/// A version whose file was missing at a reload, kept as it was loaded
/// before: an editor that deletes a file and writes it anew must not
/// take a policy away from a reload that lands in between.
#[derive(Debug)]
pub(crate) struct Missing {
    pub(crate) id: String,
    pub(crate) version: String,
    pub(crate) file: PathBuf,
}

impl Catalog {
    /// Adds to this (newly loaded) catalog every version of `before` whose
    /// file no longer exists, unless a version with the same name or
    /// effective date took its place, and returns them. Each is compiled
    /// again from the text it was loaded from, which the policy keeps.
    fn keep_missing(&mut self, before: &Catalog) -> Vec<Missing> {
        let mut kept = Vec::new();
        for (id, old) in &before.policies {
            for policy in &old.set.versions {
                let file = PathBuf::from(&policy.file.name);
                if !matches!(file.try_exists(), Ok(false)) {
                    continue;
                }
                let entry = self.policies.entry(id.clone()).or_insert_with(|| Entry {
                    folder: old.folder.clone(),
                    set: PolicySet {
                        versions: Vec::new(),
                        from_folder: old.set.from_folder,
                    },
                });
                let replaced = entry.set.versions.iter().any(|new| {
                    new.meta.version == policy.meta.version
                        || new.meta.effective_date == policy.meta.effective_date
                });
                if replaced {
                    continue;
                }
                // The text was valid when it was loaded, and loading is a
                // pure function of the text, so this cannot fail.
                let Ok(again) = load(SourceFile::new(
                    policy.file.name.clone(),
                    policy.file.text.clone(),
                )) else {
                    continue;
                };
                entry.set.versions.push(again);
                entry
                    .set
                    .versions
                    .sort_by_key(|policy| policy.meta.effective_date);
                kept.push(Missing {
                    id: id.clone(),
                    version: policy.meta.version.clone(),
                    file,
                });
            }
        }
        kept
    }
}

/// The catalog a running server answers from. Requests take a snapshot
/// (an `Arc`) and keep it for their whole life, so a reload never changes
/// the policies under a request in flight, and never blocks one.
#[derive(Clone, Debug)]
pub(crate) struct SharedCatalog {
    current: Arc<ArcSwap<Catalog>>,
}

/// What a reload did.
#[derive(Debug)]
pub(crate) enum Reload {
    /// The new catalog replaced the old one; `missing` are the versions
    /// whose files were missing, still served as loaded before.
    Replaced {
        policies: usize,
        versions: usize,
        missing: Vec<Missing>,
    },
    /// The new files have problems; the old catalog still answers.
    Kept(Vec<CatalogError>),
}

impl SharedCatalog {
    pub(crate) fn new(catalog: Catalog) -> Self {
        SharedCatalog {
            current: Arc::new(ArcSwap::from_pointee(catalog)),
        }
    }

    /// The catalog in effect now.
    pub(crate) fn snapshot(&self) -> Arc<Catalog> {
        self.current.load_full()
    }

    /// Loads the root folder again and swaps the result in only if every
    /// policy in it is valid: an invalid new policy never replaces a valid
    /// one, and a version whose file is missing keeps being served as it
    /// was loaded. Blocking (it reads files); async callers run it on a
    /// blocking thread.
    pub(crate) fn reload(&self) -> Reload {
        let before = self.snapshot();
        match Catalog::load(&before.root) {
            Ok(mut catalog) => {
                let missing = catalog.keep_missing(&before);
                let (policies, versions) = (catalog.len(), catalog.versions());
                self.current.store(Arc::new(catalog));
                Reload::Replaced {
                    policies,
                    versions,
                    missing,
                }
            }
            Err(errors) => Reload::Kept(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("policies")
    }

    #[test]
    fn loads_every_shipped_policy_by_id() {
        let catalog = Catalog::load(&shipped()).unwrap();
        let ids: Vec<&str> = catalog.ids().collect();
        assert_eq!(
            ids,
            [
                "best-buy-returns",
                "dot-airline-refunds",
                "iptv-smarters-pro",
                "steam"
            ]
        );
        assert_eq!(catalog.get("iptv-smarters-pro").unwrap().versions.len(), 2);
        assert!(catalog.get("../steam").is_none());
    }

    #[test]
    fn a_missing_root_is_an_error() {
        let errors = Catalog::load(Path::new("/nonexistent/ruling-policies")).unwrap_err();
        assert!(errors[0].to_string().contains("cannot read"));
    }

    #[test]
    fn a_failed_reload_keeps_the_old_catalog() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("steam");
        std::fs::create_dir(&folder).unwrap();
        let source = shipped().join("steam/2024-04-23.toml");
        std::fs::copy(&source, folder.join("2024-04-23.toml")).unwrap();
        let shared = SharedCatalog::new(Catalog::load(dir.path()).unwrap());
        std::fs::write(folder.join("2025-01-01.toml"), "not = [toml").unwrap();
        assert!(matches!(shared.reload(), Reload::Kept(_)));
        assert!(shared.snapshot().get("steam").is_some());
        std::fs::remove_file(folder.join("2025-01-01.toml")).unwrap();
        assert!(matches!(
            shared.reload(),
            Reload::Replaced { policies: 1, .. }
        ));
    }

    #[test]
    fn a_version_whose_file_is_missing_is_kept_until_a_new_one_takes_its_place() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("iptv");
        std::fs::create_dir(&folder).unwrap();
        let shipped_folder = shipped().join("iptv-smarters-pro");
        for name in ["2025-01-22.toml", "2025-06-01.toml"] {
            std::fs::copy(shipped_folder.join(name), folder.join(name)).unwrap();
        }
        let shared = SharedCatalog::new(Catalog::load(dir.path()).unwrap());
        let newest = folder.join("2025-06-01.toml");
        let text = std::fs::read_to_string(&newest).unwrap();
        std::fs::remove_file(&newest).unwrap();
        let Reload::Replaced { missing, .. } = shared.reload() else {
            panic!("the reload failed");
        };
        assert_eq!(missing.len(), 1);
        assert_eq!(missing[0].version, "2025-06-01");
        assert_eq!(shared.snapshot().versions(), 2);

        std::fs::write(folder.join("renamed.toml"), text).unwrap();
        let Reload::Replaced { missing, .. } = shared.reload() else {
            panic!("the reload failed");
        };
        assert!(missing.is_empty(), "{missing:?}");
        assert_eq!(shared.snapshot().versions(), 2);
    }
}
