//! `ruling lint` over every shipped policy: the target is under
//! one second for all of them together (`cargo bench --bench lint`, the
//! median is criterion's estimate). The lint is internal to the crate, so
//! this runs the real command, process start and loading included.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Stdio};

use criterion::{Criterion, criterion_group, criterion_main};

fn lint_shipped(policies: &Path) {
    let status = Command::new(env!("CARGO_BIN_EXE_ruling"))
        .arg("lint")
        .arg(policies)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("ruling runs");
    assert!(status.success(), "the shipped policies lint clean");
}

fn shipped(c: &mut Criterion) {
    let policies = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies");
    let mut group = c.benchmark_group("lint");
    group.sample_size(10);
    group.bench_function("ruling lint policies (every shipped policy)", |b| {
        b.iter(|| lint_shipped(&policies));
    });
    group.finish();
}

criterion_group!(benches, shipped);
criterion_main!(benches);
