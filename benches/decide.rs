//! Benchmarks of `ruling` against a hand-written floor, on the IPTV Smarters
//! Pro policy and a deterministic corpus. Run with
//! `cargo bench --bench decide`, then `python3 benches/summary.py` for the
//! medians and the ratios against the floor of the same run.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod corpus;
mod floor;

use std::hint::black_box;
use std::io::Cursor;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ruling::{BatchOptions, Choice, Request, SourceFile, Value, Versions, run_batch};

const POLICY: &str = include_str!("../policies/iptv-smarters-pro/2025-01-22.toml");
const CORPUS: usize = 10_000;
/// Lines per batch run: enough chunks of work (1,024 lines each) that
/// starting and draining the pipeline do not hide how it scales.
const BATCH_LINES: usize = 100_000;

fn policy() -> ruling::Policy {
    ruling::load(SourceFile::new("iptv.toml", POLICY)).unwrap()
}

fn per_request(c: &mut Criterion) {
    let policy = policy();
    let requests = corpus::requests(CORPUS, 7);
    let decoded: Vec<_> = requests
        .iter()
        .filter_map(|json| Request::decode(&policy, json.as_bytes()).ok())
        .collect();
    agree_with_the_floor(&policy, &requests);
    let mut group = c.benchmark_group("per-request");
    group.throughput(Throughput::Elements(requests.len() as u64));
    group.bench_function("floor: hand-written decode + decision", |b| {
        b.iter(|| {
            requests
                .iter()
                .filter_map(|json| floor::decide(black_box(json)))
                .map(black_box)
                .count()
        })
    });
    let parsed: Vec<_> = requests
        .iter()
        .filter_map(|json| floor::parse(json))
        .collect();
    group.bench_function("floor: decision logic alone, on parsed requests", |b| {
        b.iter(|| {
            parsed
                .iter()
                .filter_map(|request| floor::decide_parsed(black_box(request)))
                .map(black_box)
                .count()
        })
    });
    group.bench_function("serde_json::Value parse alone", |b| {
        b.iter(|| {
            requests
                .iter()
                .filter_map(|json| serde_json::from_str::<serde_json::Value>(black_box(json)).ok())
                .count()
        })
    });
    group.bench_function("serde derive: parse into the floor's struct alone", |b| {
        b.iter(|| {
            requests
                .iter()
                .filter(|json| floor::parses(black_box(json)))
                .count()
        })
    });
    group.bench_function("decode alone", |b| {
        b.iter(|| {
            requests
                .iter()
                .filter_map(|json| Request::decode(&policy, black_box(json).as_bytes()).ok())
                .count()
        })
    });
    group.bench_function("decision on pre-decoded requests", |b| {
        b.iter(|| {
            decoded
                .iter()
                .filter_map(|request| {
                    ruling::decide_without_trace(&policy, black_box(request)).ok()
                })
                .count()
        })
    });
    group.bench_function("decode + decision", |b| {
        b.iter(|| {
            requests
                .iter()
                .filter_map(|json| Request::decode(&policy, black_box(json).as_bytes()).ok())
                .filter_map(|request| {
                    ruling::decide_without_trace(&policy, &request)
                        .ok()
                        .map(|core| core.outcome())
                })
                .count()
        })
    });
    group.bench_function("decode + decision + full trace", |b| {
        b.iter(|| {
            requests
                .iter()
                .filter_map(|json| ruling::decide_json(&policy, black_box(json).as_bytes()).ok())
                .count()
        })
    });
    group.finish();
}

/// The floor does the same work: it decides every request as the policy does.
fn agree_with_the_floor(policy: &ruling::Policy, requests: &[String]) {
    let mut compared = 0;
    for json in requests {
        let decoded = Request::decode(policy, json.as_bytes()).ok();
        let ruled = decoded
            .as_ref()
            .and_then(|request| ruling::decide_without_trace(policy, request).ok());
        let floor = floor::decide(json);
        match (ruled, floor) {
            (Some(ruled), Some(floor)) => {
                assert_eq!(ruled.rule_id(), floor.rule, "{json}");
                assert_eq!(ruled.outcome().keyword(), floor.outcome, "{json}");
                assert_eq!(ruled.missing(), floor.missing, "{json}");
                let refund = ruled
                    .effects()
                    .iter()
                    .find(|(name, _)| *name == "refund_amount")
                    .map(|(_, value)| value.clone());
                assert_eq!(refund, floor.refund.map(Value::Decimal), "{json}");
                compared += 1;
            }
            (None, None) => {}
            (ruled, floor) => panic!(
                "{json}: ruling {:?}, floor {:?}",
                ruled.map(|r| r.rule_id()),
                floor.map(|f| f.rule)
            ),
        }
    }
    assert!(
        compared > requests.len() * 9 / 10,
        "most requests are decided"
    );
}

fn batch(c: &mut Criterion) {
    let set = ruling::load_set(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/policies/iptv-smarters-pro/2025-01-22.toml"
        )
        .as_ref(),
    )
    .unwrap();
    let versions = Versions::new(&set, &Choice::ByRequest).unwrap();
    let input = corpus::ndjson(BATCH_LINES, 11);
    let mut group = c.benchmark_group("batch");
    group.throughput(Throughput::Elements(BATCH_LINES as u64));
    group.sample_size(10);
    let cases = [
        ("decode + decision + JSON, 1 job", 1, false),
        ("decode + decision + JSON with trace, 1 job", 1, true),
        ("decode + decision + JSON, 2 jobs", 2, false),
    ];
    for (name, jobs, trace) in cases {
        group.bench_function(name, |b| {
            b.iter(|| {
                let options = BatchOptions {
                    jobs,
                    trace,
                    ..BatchOptions::default()
                };
                let mut output = Counted(0);
                let summary =
                    run_batch(&versions, Cursor::new(&input), &mut output, options, |_| {})
                        .unwrap();
                (summary, black_box(output.0))
            })
        });
    }
    group.finish();
}

/// Where a batch's output goes: counted and dropped, as with `ruling decide
/// --ndjson FILE > /dev/null`. Collecting it in one vector would measure
/// the memory bus instead: a traced batch of these lines writes 460 MB.
struct Counted(u64);

impl std::io::Write for Counted {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0 += bytes.len() as u64;
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn load(c: &mut Criterion) {
    c.bench_function("load and check the policy", |b| {
        b.iter(|| ruling::load(SourceFile::new("iptv.toml", black_box(POLICY))).unwrap())
    });
}

criterion_group!(benches, per_request, batch, load);
criterion_main!(benches);
