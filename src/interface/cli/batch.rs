//! `ruling decide --ndjson`: a stream of requests, one decision per line.

use std::fs::File;
use std::io::{self, BufReader, BufWriter};
use std::path::Path;

use crate::interface::batch::{
    BatchOptions, BatchSummary, Versions, run_batch, run_batch_recorded,
};
use crate::interface::record::{RecordSummary, Recorder};
use crate::policy::Outcome;
use crate::policy::folder::{Choice, PolicySet};

use super::exit;
use super::output::eprint;
use super::progress::Progress;

pub(crate) fn run(
    set: &PolicySet,
    choice: &Choice,
    input: &Path,
    options: BatchOptions,
    recorder: Option<Recorder>,
) -> u8 {
    let versions = match Versions::new(set, choice) {
        Ok(versions) => versions,
        Err(error) => {
            eprint(&format!("error: {error}\n"));
            return exit::INVALID_REQUEST;
        }
    };
    let stdout = io::stdout();
    let output = BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut progress = Progress::new(None);
    let batch = |input: Box<dyn io::BufRead + Send>| match &recorder {
        Some(recorder) => {
            run_batch_recorded(&versions, input, output, options, recorder, |summary| {
                progress.chunk(summary.lines, &format!(", {} rejected", summary.errors))
            })
        }
        None => run_batch(&versions, input, output, options, |summary| {
            progress.chunk(summary.lines, &format!(", {} rejected", summary.errors))
        }),
    };
    if input.is_dir() {
        eprint(&format!(
            "error: cannot read `{}`: it is a folder; give an NDJSON file, or `-` for standard input\n",
            input.display()
        ));
        return exit::IO;
    }
    let result = if input.as_os_str() == "-" {
        batch(Box::new(BufReader::with_capacity(1 << 16, io::stdin())))
    } else {
        match File::open(input) {
            Ok(file) => batch(Box::new(BufReader::with_capacity(1 << 16, file))),
            Err(error) => {
                eprint(&format!(
                    "error: cannot read `{}`: {error}\n",
                    input.display()
                ));
                return exit::IO;
            }
        }
    };
    progress.finish();
    let records = recorder.map(|recorder| recorder.finish());
    let code = match result {
        Ok(summary) => {
            eprint(&summary_line(&summary, records.as_ref()));
            if summary.errors > 0 {
                exit::INVALID_REQUEST
            } else {
                exit::OK
            }
        }
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => exit::OK,
        Err(error) => {
            eprint(&format!(
                "error: the batch stopped: `{}` could not be read or the decisions written: {error}\n",
                input.display()
            ));
            exit::IO
        }
    };
    match records {
        Some(records) if records.lost > 0 => {
            eprint(&format!(
                "error: {} of {} decisions were not recorded: {}\n",
                records.lost,
                records.submitted,
                records.first_error.as_deref().unwrap_or("unknown cause")
            ));
            exit::IO
        }
        _ => code,
    }
}

fn summary_line(summary: &BatchSummary, records: Option<&RecordSummary>) -> String {
    let outcomes: Vec<String> = Outcome::ALL
        .iter()
        .zip(summary.outcomes)
        .map(|(outcome, count)| format!("{outcome} {count}"))
        .collect();
    let recorded = records.map_or_else(String::new, |records| {
        format!(
            "; {} newly recorded, {} already recorded, {} not recorded",
            records.written, records.already, records.lost
        )
    });
    format!(
        "{} lines in {:.2} s ({:.0} lines/s): {}; {} rejected{recorded}\n",
        summary.lines,
        summary.elapsed.as_secs_f64(),
        summary.rate(),
        outcomes.join(", "),
        summary.errors
    )
}
