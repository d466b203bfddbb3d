//! What the figures were measured on, and the packages measured.

use std::process::Command;

use recovery_edges::config::Function;
use system_tests::workspace_root;

pub fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or("?".into(), |kib| format!("{} GiB", kib / 1024 / 1024));
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let rustc = Command::new("rustc")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    format!(
        "{cpu}, {cores} cores, {memory}, Linux {} ({}), {rustc}",
        kernel.trim(),
        std::env::consts::ARCH
    )
}

pub fn today() -> String {
    Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

/// The zipped arm64 package of each function, as `cargo lambda build` left
/// it, if it did.
pub fn package_sizes() -> Vec<(&'static str, Option<u64>)> {
    Function::ALL
        .iter()
        .map(|f| {
            let zip = workspace_root().join("target/lambda").join(f.name()).join("bootstrap.zip");
            (f.name(), std::fs::metadata(zip).ok().map(|m| m.len()))
        })
        .collect()
}
