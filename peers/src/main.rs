//! Decides the benchmark corpus (`benches/corpus.rs`) with `ruling`, the
//! hand-written floor (`benches/floor.rs`) and peer engines given the same
//! IPTV Smarters Pro rules (`rules/`), checks that every engine picks the
//! same rule for every request, then prints each engine's median time per
//! request, measured in the same run, rounds interleaved.
//!
//! `cargo run --release -- [REQUESTS] [ROUNDS]`

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

// Shared with the `decide` bench, which uses parts these do not.
#[allow(dead_code)]
#[path = "../../benches/corpus.rs"]
mod corpus;
#[allow(dead_code)]
#[path = "../../benches/floor.rs"]
mod floor;

use std::hint::black_box;
use std::time::Instant;

use ruling::SourceFile;

const POLICY: &str = include_str!("../../policies/iptv-smarters-pro/2025-01-22.toml");
const JSONLOGIC: &str = include_str!("../rules/iptv-smarters-pro-2025-01-22.jsonlogic.json");
/// What an engine answers for a request the policy rejects (a constraint
/// broken, or a request that cannot be read).
const REJECTED: &str = "rejected";

/// One engine: decides a request (parse included) into the id of the rule
/// that decides it, or [`REJECTED`].
trait Engine {
    fn name(&self) -> &'static str;
    fn decide(&mut self, json: &str) -> String;
    /// The same work without building the answer, for timing.
    fn run(&mut self, json: &str) -> bool;
}

struct Floor;

impl Engine for Floor {
    fn name(&self) -> &'static str {
        "floor: hand-written Rust over a serde struct"
    }

    fn decide(&mut self, json: &str) -> String {
        floor::decide(json).map_or(REJECTED.to_owned(), |decided| decided.rule.to_owned())
    }

    fn run(&mut self, json: &str) -> bool {
        floor::decide(json).is_some()
    }
}

struct Ruling(ruling::Policy);

impl Engine for Ruling {
    fn name(&self) -> &'static str {
        "ruling: decode + decision"
    }

    fn decide(&mut self, json: &str) -> String {
        ruling::decide_json(&self.0, json.as_bytes())
            .map_or(REJECTED.to_owned(), |decision| decision.rule.id)
    }

    fn run(&mut self, json: &str) -> bool {
        let policy = &self.0;
        ruling::Request::decode(policy, json.as_bytes())
            .ok()
            .and_then(|request| ruling::decide_without_trace(policy, &request).ok())
            .is_some()
    }
}

struct DataLogic {
    engine: &'static datalogic_rs::Engine,
    rules: datalogic_rs::Logic,
}

impl DataLogic {
    fn new() -> Self {
        let engine = Box::leak(Box::new(datalogic_rs::Engine::new()));
        let rules = engine
            .compile(JSONLOGIC)
            .expect("the JSONLogic rules compile");
        Self { engine, rules }
    }
}

impl Engine for DataLogic {
    fn name(&self) -> &'static str {
        "datalogic-rs (JSONLogic): parse + evaluation"
    }

    fn decide(&mut self, json: &str) -> String {
        let mut session = self.engine.session();
        match session.eval_borrowed(&self.rules, json) {
            Ok(value) => value.as_str().unwrap_or(REJECTED).to_owned(),
            Err(_) => REJECTED.to_owned(),
        }
    }

    fn run(&mut self, json: &str) -> bool {
        let mut session = self.engine.session();
        session.eval_borrowed(&self.rules, json).is_ok()
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let count: usize = args
        .next()
        .map_or(10_000, |n| n.parse().expect("a number of requests"));
    let rounds: usize = args
        .next()
        .map_or(11, |n| n.parse().expect("a number of rounds"));
    let requests = corpus::requests(count, 7);
    let policy = ruling::load(SourceFile::new("iptv.toml", POLICY)).expect("the policy loads");
    let mut engines: Vec<Box<dyn Engine>> = vec![
        Box::new(Floor),
        Box::new(Ruling(policy)),
        Box::new(DataLogic::new()),
    ];
    agree(&mut engines, &requests);
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); engines.len()];
    for _ in 0..rounds {
        for (engine, times) in engines.iter_mut().zip(&mut times) {
            let started = Instant::now();
            let decided = requests
                .iter()
                .filter(|json| engine.run(black_box(json)))
                .count();
            black_box(decided);
            times.push(started.elapsed().as_nanos() as f64 / requests.len() as f64);
        }
    }
    let medians: Vec<f64> = times.iter_mut().map(|times| median(times)).collect();
    let (floor, ours) = (medians[0], medians[1]);
    println!(
        "{} requests, {rounds} rounds, one thread; medians of the rounds",
        requests.len()
    );
    println!(
        "{:48} {:>10} {:>12} {:>8} {:>8}",
        "engine", "ns/request", "requests/s", "× floor", "× ruling"
    );
    for (engine, ns) in engines.iter().zip(&medians) {
        println!(
            "{:48} {:>10.0} {:>12.0} {:>8.2} {:>8.2}",
            engine.name(),
            ns,
            1e9 / ns,
            ns / floor,
            ns / ours
        );
    }
}

/// Every engine decides every request by the same rule as `ruling`.
fn agree(engines: &mut [Box<dyn Engine>], requests: &[String]) {
    let mut rejected = 0;
    for json in requests {
        let answers: Vec<String> = engines
            .iter_mut()
            .map(|engine| engine.decide(json))
            .collect();
        let ours = &answers[1];
        rejected += usize::from(ours == REJECTED);
        for (engine, answer) in engines.iter().zip(&answers) {
            assert_eq!(
                answer,
                ours,
                "{} disagrees with ruling on {json}",
                engine.name()
            );
        }
    }
    println!(
        "all {} engines agree on all {} requests ({rejected} rejected)",
        engines.len(),
        requests.len()
    );
}

fn median(times: &mut [f64]) -> f64 {
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}
