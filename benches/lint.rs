//! `ruling lint` over every shipped policy: the target is under
//! one second for all of them together (`cargo bench --bench lint`, the
//! median is criterion's estimate).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use ruling::policy::folder::check_paths;
use ruling::tools::lint::{Options, lint};

fn shipped(c: &mut Criterion) {
    let policies = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies");
    let checked = check_paths(&[policies]);
    assert!(checked.problems.is_empty(), "the shipped policies load");
    assert_eq!(checked.valid.len(), 5);
    let options = Options::default();
    let mut group = c.benchmark_group("lint");
    group.sample_size(10);
    group.bench_function("every shipped policy", |b| {
        b.iter(|| {
            for policy in &checked.valid {
                black_box(lint(black_box(policy), &options));
            }
        });
    });
    group.finish();
}

criterion_group!(benches, shipped);
criterion_main!(benches);
