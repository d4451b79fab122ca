//! What every benchmark shares: latency percentiles, the machine's cores, a warning for
//! unoptimised builds and a scratch directory removed afterwards.

use std::time::Duration;

#[derive(Debug, Clone)]
pub struct LatencyFigures {
    pub samples: usize,
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
}

impl LatencyFigures {
    /// The nearest-rank percentiles of `samples` (all zero when there are none).
    pub fn of(mut samples: Vec<Duration>) -> LatencyFigures {
        samples.sort();
        let at = |fraction: f64| {
            let last = samples.len().saturating_sub(1);
            samples.get((last as f64 * fraction).round() as usize).copied().unwrap_or_default()
        };
        LatencyFigures { samples: samples.len(), p50: at(0.5), p99: at(0.99), max: at(1.0) }
    }
}

/// Milliseconds with fractions, as the benchmarks print them.
pub fn milliseconds(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// The cores this machine offers, printed beside every figure.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// Figures of a debug build say little; the command says so before it starts.
pub fn warn_if_unoptimised(command: &str) {
    if cfg!(debug_assertions) {
        eprintln!(
            "warning: this is an unoptimised build; run with `cargo run --release -- {command}` for real figures"
        );
    }
}

/// A directory of this process under the system's temporary directory, removed when dropped.
pub struct ScratchDirectory(std::path::PathBuf);

impl ScratchDirectory {
    pub fn new(purpose: &str) -> std::io::Result<ScratchDirectory> {
        let path = std::env::temp_dir().join(format!("techmatch-bench-{purpose}-{}", std::process::id()));
        std::fs::create_dir_all(&path)?;
        Ok(ScratchDirectory(path))
    }

    pub fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for ScratchDirectory {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
