//! SLA calculator over a business calendar file, reading cases from stdin.
//!
//! ```sh
//! # Lines "START MINUTES" -> "START MINUTES DUE"
//! echo "2026-12-24T16:00:00-05:00 480" | cargo run --example sla_calc -- add --calendar tests/data/new_york.toml
//! # Lines "START END" -> "START END SECONDS" (signed business seconds in [START, END))
//! echo "2026-12-24T21:00:00Z 2026-12-28T21:00:00Z" | cargo run --example sla_calc -- between --calendar tests/data/new_york.toml
//! ```
//!
//! START and END are RFC 3339 with any offset and are echoed as given; DUE is
//! printed in UTC (`YYYY-MM-DDTHH:MM:SSZ`). A bad line stops with a message
//! naming its number on stderr and exit status 2; so do bad arguments or a
//! bad calendar.

use std::io::{self, BufRead, BufWriter, Write};
use std::process::ExitCode;

use chrono::{DateTime, Datelike, Duration, Timelike, Utc};
use helpdesk::BusinessCalendar;

const USAGE: &str = "usage: sla_calc (add | between) --calendar CAL.toml
  add:     reads lines `START MINUTES`, prints `START MINUTES DUE`
  between: reads lines `START END`, prints `START END SECONDS`";

#[derive(Clone, Copy)]
enum Mode {
    Add,
    Between,
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("sla_calc: {message}");
            ExitCode::from(2)
        }
    }
}

fn parse_args() -> Result<(Mode, String), String> {
    let mut mode = None;
    let mut calendar = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "add" if mode.is_none() => mode = Some(Mode::Add),
            "between" if mode.is_none() => mode = Some(Mode::Between),
            "--calendar" => calendar = Some(args.next().ok_or("--calendar needs a file")?),
            "-h" | "--help" => return Err(USAGE.into()),
            _ => match arg.strip_prefix("--calendar=") {
                Some(path) => calendar = Some(path.to_owned()),
                None => return Err(format!("unexpected argument `{arg}`\n{USAGE}")),
            },
        }
    }
    match (mode, calendar) {
        (Some(mode), Some(calendar)) => Ok((mode, calendar)),
        _ => Err(USAGE.into()),
    }
}

fn run() -> Result<(), String> {
    let (mode, path) = parse_args()?;
    let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let calendar = BusinessCalendar::from_toml(&text).map_err(|e| format!("{path}: {e}"))?;

    let stdin = io::stdin().lock();
    let stdout = io::stdout().lock();
    let mut out = BufWriter::with_capacity(1 << 16, stdout);
    let mut line = String::new();
    let mut reader = io::BufReader::with_capacity(1 << 16, stdin);
    let mut number = 0;
    loop {
        line.clear();
        let n = reader
            .read_line(&mut line)
            .map_err(|e| format!("reading stdin: {e}"))?;
        if n == 0 {
            break;
        }
        number += 1;
        let result = answer(
            &calendar,
            mode,
            line.trim_end_matches(['\n', '\r']),
            &mut out,
        );
        if let Err(message) = result {
            let _ = out.flush();
            return Err(format!("line {number}: {message}"));
        }
    }
    out.flush().map_err(|e| format!("writing stdout: {e}"))
}

fn answer(
    calendar: &BusinessCalendar,
    mode: Mode,
    line: &str,
    out: &mut impl Write,
) -> Result<(), String> {
    let mut fields = line.split_ascii_whitespace();
    let (Some(first), Some(second), None) = (fields.next(), fields.next(), fields.next()) else {
        return Err(format!("expected two fields, got `{line}`"));
    };
    let start = instant(first)?;
    let written = match mode {
        Mode::Add => {
            let minutes: i64 =
                second.parse().ok().filter(|m| *m >= 0).ok_or_else(|| {
                    format!("MINUTES must be a whole number >= 0, got `{second}`")
                })?;
            let d = Duration::try_minutes(minutes)
                .ok_or_else(|| format!("MINUTES too large: `{second}`"))?;
            let due = calendar.add(start, d).map_err(|e| e.to_string())?;
            write_line_due(out, first, second, due)
        }
        Mode::Between => {
            let end = instant(second)?;
            let seconds = calendar
                .between(start, end)
                .map_err(|e| e.to_string())?
                .num_seconds();
            writeln!(out, "{first} {second} {seconds}")
        }
    };
    written.map_err(|e| format!("writing stdout: {e}"))
}

fn instant(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("bad RFC 3339 instant `{text}`: {e}"))
}

/// Formats the due by hand: a strftime pattern would be re-parsed per line.
fn write_line_due(
    out: &mut impl Write,
    first: &str,
    second: &str,
    due: DateTime<Utc>,
) -> io::Result<()> {
    writeln!(
        out,
        "{first} {second} {:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        due.year(),
        due.month(),
        due.day(),
        due.hour(),
        due.minute(),
        due.second()
    )
}
