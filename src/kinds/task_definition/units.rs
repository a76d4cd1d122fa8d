//! ECS task sizes, PURE: task-level `cpu` and `memory` as RegisterTaskDefinition takes
//! them, and the CPU/memory combinations Fargate offers.
//!
//! AWS accepts task `cpu` as CPU units ("256", 1024 units = 1 vCPU) or as vCPUs
//! ("0.25 vCPU", "1 vcpu", ".25 VCPU"), and task `memory` as MiB ("512") or GB ("1 GB",
//! "1GB", ".5 gb"; 1 GB = 1024 MiB), the unit in any case, with or without a space or a
//! leading zero (ECS API Reference, RegisterTaskDefinition `cpu` and `memory`);
//! DescribeTaskDefinition always returns units and MiB as strings.

/// CPU units in one vCPU.
pub const UNITS_PER_VCPU: u32 = 1024;
/// MiB in one GB as ECS counts it.
pub const MIB_PER_GB: u32 = 1024;

/// CPU units of a task-level `cpu` value: "256" → 256, "0.25 vCPU" → 256, "2 vcpu" → 2048.
/// None when it is not a positive whole number of units.
pub fn cpu_units(text: &str) -> Option<u32> {
    scaled(text, &["vcpu"], UNITS_PER_VCPU)
}

/// MiB of a task-level `memory` value: "512" → 512, "1 GB" → 1024, "0.5GB" → 512.
/// None when it is not a positive whole number of MiB.
pub fn memory_mib(text: &str) -> Option<u32> {
    scaled(text, &["gb"], MIB_PER_GB)
}

/// A number alone (already in the base unit) or followed by one of `units` (case
/// insensitive, optionally after a space), multiplied by `factor`.
fn scaled(text: &str, units: &[&str], factor: u32) -> Option<u32> {
    let text = text.trim();
    let lower = text.to_ascii_lowercase();
    let (number, factor) = match units.iter().find(|u| lower.ends_with(*u)) {
        Some(unit) => (text[..text.len() - unit.len()].trim_end(), factor),
        None => (text, 1),
    };
    if number.is_empty()
        || !number.chars().all(|c| c.is_ascii_digit() || c == '.')
        || number == "."
        || number.ends_with('.')
        || number.matches('.').count() > 1
    {
        return None;
    }
    // Exact decimal arithmetic: thousandths are enough for the values AWS documents
    // ("0.25 vCPU", "0.5 GB") and reject what is not a whole number of units.
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if fraction.len() > 3 {
        return None;
    }
    // ".25 vcpu": the leading zero may be left out.
    let whole: u64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let fraction: u64 = format!("{fraction:0<3}").parse().ok()?;
    let thousandths = whole.checked_mul(1000)?.checked_add(fraction)?;
    let scaled = thousandths.checked_mul(u64::from(factor))?;
    if scaled % 1000 != 0 {
        return None;
    }
    let value = u32::try_from(scaled / 1000).ok()?;
    (value > 0).then_some(value)
}

/// The memory sizes (MiB) Fargate offers with `cpu` units, or None when Fargate does not
/// offer that CPU size. From "Task CPU and memory" in the Amazon ECS Developer Guide.
pub fn fargate_memory_options(cpu: u32) -> Option<Vec<u32>> {
    let (from, to, step) = match cpu {
        256 => return Some(vec![512, 1024, 2048]),
        512 => (1024, 4096, 1024),
        1024 => (2048, 8192, 1024),
        2048 => (4096, 16384, 1024),
        4096 => (8192, 30720, 1024),
        8192 => (16384, 61440, 4096),
        16384 => (32768, 122880, 8192),
        _ => return None,
    };
    Some((from..=to).step_by(step).collect())
}

/// The CPU sizes (units) Fargate offers.
pub const FARGATE_CPU: [u32; 7] = [256, 512, 1024, 2048, 4096, 8192, 16384];

/// Whether Fargate runs a task of `cpu` units with `memory` MiB.
pub fn fargate_combination_ok(cpu: u32, memory: u32) -> bool {
    fargate_memory_options(cpu).is_some_and(|options| options.contains(&memory))
}

/// "256 (0.25 vCPU)", for messages.
pub fn describe_cpu(units: u32) -> String {
    let vcpu = f64::from(units) / f64::from(UNITS_PER_VCPU);
    format!("{units} ({vcpu} vCPU)")
}

/// "512, 1024 or 2048", or "2048 to 8192 in steps of 1024" for the longer lists.
pub fn describe_memory_options(options: &[u32]) -> String {
    match options {
        [] => String::new(),
        [one] => one.to_string(),
        [a, b, c] => format!("{a}, {b} or {c}"),
        [first, second, .., last] => {
            format!("{first} to {last} MiB in steps of {}", second - first)
        }
        [a, b] => format!("{a} or {b}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_values() {
        let table: &[(&str, Option<u32>)] = &[
            ("256", Some(256)),
            (" 1024 ", Some(1024)),
            ("0.25 vCPU", Some(256)),
            ("0.25vcpu", Some(256)),
            (".25 vCPU", Some(256)),
            (".25 vcpu", Some(256)),
            (".5VCPU", Some(512)),
            (". vCPU", None),
            ("0.5 vCPU", Some(512)),
            ("1 vCPU", Some(1024)),
            ("1 vcpu", Some(1024)),
            ("2 VCPU", Some(2048)),
            ("16 vCPU", Some(16384)),
            ("1.5 vCPU", Some(1536)),
            ("0.3 vCPU", None), // 307.2 units
            ("0 vCPU", None),
            ("0", None),
            ("", None),
            ("vCPU", None),
            ("-256", None),
            ("256 units", None),
            ("1 GB", None),
            ("1..5 vCPU", None),
            ("1. vCPU", None),
            ("99999999999", None),
        ];
        for (text, expected) in table {
            assert_eq!(cpu_units(text), *expected, "cpu_units({text:?})");
        }
    }

    #[test]
    fn memory_values() {
        let table: &[(&str, Option<u32>)] = &[
            ("512", Some(512)),
            ("1 GB", Some(1024)),
            ("1GB", Some(1024)),
            ("1 gb", Some(1024)),
            ("0.5 GB", Some(512)),
            (".5 gb", Some(512)),
            (".5Gb", Some(512)),
            ("2 GB", Some(2048)),
            ("30 GB", Some(30720)),
            ("120 GB", Some(122880)),
            ("0.001 GB", None), // 1.024 MiB
            ("0.0001 GB", None),
            ("1 MiB", None),
            ("1 vCPU", None),
            ("GB", None),
            ("", None),
            ("0", None),
            ("1e3", None),
        ];
        for (text, expected) in table {
            assert_eq!(memory_mib(text), *expected, "memory_mib({text:?})");
        }
    }

    #[test]
    fn fargate_table() {
        let table: &[(u32, u32, bool)] = &[
            (256, 512, true),
            (256, 1024, true),
            (256, 2048, true),
            (256, 3072, false),
            (256, 256, false),
            (512, 1024, true),
            (512, 4096, true),
            (512, 5120, false),
            (512, 1536, false),
            (1024, 2048, true),
            (1024, 8192, true),
            (1024, 1024, false),
            (2048, 4096, true),
            (2048, 16384, true),
            (2048, 17408, false),
            (4096, 8192, true),
            (4096, 30720, true),
            (4096, 31744, false),
            (8192, 16384, true),
            (8192, 20480, true),
            (8192, 17408, false), // steps of 4096
            (8192, 61440, true),
            (16384, 32768, true),
            (16384, 40960, true),
            (16384, 36864, false), // steps of 8192
            (16384, 122880, true),
            (128, 512, false),
            (3072, 8192, false),
        ];
        for (cpu, memory, ok) in table {
            assert_eq!(
                fargate_combination_ok(*cpu, *memory),
                *ok,
                "cpu {cpu} memory {memory}"
            );
        }
        for cpu in FARGATE_CPU {
            assert!(fargate_memory_options(cpu).is_some(), "{cpu}");
        }
        assert_eq!(
            fargate_memory_options(512).unwrap(),
            [1024, 2048, 3072, 4096]
        );
    }

    #[test]
    fn descriptions() {
        assert_eq!(describe_cpu(256), "256 (0.25 vCPU)");
        assert_eq!(describe_cpu(2048), "2048 (2 vCPU)");
        assert_eq!(
            describe_memory_options(&fargate_memory_options(256).unwrap()),
            "512, 1024 or 2048"
        );
        assert_eq!(
            describe_memory_options(&fargate_memory_options(1024).unwrap()),
            "2048 to 8192 MiB in steps of 1024"
        );
    }
}
