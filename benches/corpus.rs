//! A deterministic corpus of IPTV Smarters Pro refund requests: varied
//! dates (plain and RFC 3339), reasons, support states, amounts written as
//! strings and numbers, missing and blank fields, mismatched emails and
//! invoice numbers, and a few requests the policy rejects.

/// A small linear congruential generator: the same seed gives the same
/// corpus on every machine, with no dependency.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound.max(1)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

const REASONS: [&str; 7] = [
    "change_of_mind",
    "not_as_expected",
    "technical_failure",
    "unauthorized_transaction",
    "billing_error",
    "unused_portion",
    "other",
];

/// `count` requests, one JSON object per string.
pub fn requests(count: usize, seed: u64) -> Vec<String> {
    let mut random = Lcg(seed);
    (0..count)
        .map(|index| request(&mut random, index))
        .collect()
}

/// The corpus as NDJSON bytes, one request per line.
pub fn ndjson(count: usize, seed: u64) -> Vec<u8> {
    let mut out = Vec::new();
    for line in requests(count, seed) {
        out.extend_from_slice(line.as_bytes());
        out.push(b'\n');
    }
    out
}

fn request(random: &mut Lcg, index: usize) -> String {
    let day = 1 + random.below(28);
    let month = 1 + random.below(11);
    let purchase_date = format!("2025-{month:02}-{day:02}");
    let elapsed = random.below(30);
    let request_day = day + elapsed;
    let (request_month, request_day) = if request_day > 28 {
        (month + 1, request_day - 28)
    } else {
        (month, request_day)
    };
    let request_date = if random.chance(20) {
        format!(
            "2025-{request_month:02}-{request_day:02}T{:02}:15:00Z",
            random.below(24)
        )
    } else {
        format!("2025-{request_month:02}-{request_day:02}")
    };
    let invoice = format!("INV-{}", 1000 + index);
    let email = format!("customer{}@example.com", index % 500);
    let request_email = if random.chance(5) {
        format!("other{index}@example.com")
    } else {
        email.to_uppercase()
    };
    let request_invoice = if random.chance(5) {
        format!("INV-{}", 9000 + index)
    } else {
        invoice.clone()
    };
    let amount = if random.chance(50) {
        format!("\"{}.{:02}\"", 5 + random.below(95), random.below(100))
    } else {
        format!("{}.{:02}", 5 + random.below(95), random.below(100))
    };
    let explanation = if random.chance(5) {
        "\"  \""
    } else {
        "\"The channels stopped loading after two days.\""
    };
    let reason = REASONS
        .get(random.below(REASONS.len() as u64) as usize)
        .copied()
        .unwrap_or("other");
    let support = match random.below(4) {
        0 => String::new(),
        1 => ", \"support\": {\"contacted\": false}".to_owned(),
        2 => ", \"support\": {\"contacted\": true, \"issue_resolved\": false}".to_owned(),
        _ => ", \"support\": {\"contacted\": true, \"issue_resolved\": true}".to_owned(),
    };
    let terms = if random.chance(3) {
        ", \"customer\": {\"terms_violated\": true}"
    } else {
        ""
    };
    let invoice_member = if random.chance(4) {
        String::new()
    } else {
        format!("\"invoice_number\": \"{request_invoice}\", ")
    };
    format!(
        "{{\"purchase\": {{\"invoice_number\": \"{invoice}\", \"date\": \"{purchase_date}\", \"email\": \"{email}\", \"amount\": {amount}, \"currency\": \"EUR\"}}, \
         \"request\": {{\"date\": \"{request_date}\", \"email\": \" {request_email} \", {invoice_member}\"explanation\": {explanation}, \"reason\": \"{reason}\"}}{support}{terms}}}"
    )
}
