//! Lint rules of a service (declared, and live with `--live`): public IPs, and the
//! other service settings Security Hub checks.

use crate::lint::ecs_raw::{Raw, Spot, lead, raw};
use crate::lint::finding::Source;
use crate::lint::rules::PUBLIC_IP;
use serde_json::{Map, Value};

pub(crate) fn service_checks(name: &str, svc: &Map<String, Value>, source: Source) -> Vec<Raw> {
    let assign = svc
        .get("networkConfiguration")
        .and_then(|n| n.get("awsvpcConfiguration"))
        .and_then(|v| v.get("assignPublicIp"))
        .and_then(Value::as_str);
    if assign != Some("ENABLED") {
        return Vec::new();
    }
    vec![raw(
        &PUBLIC_IP,
        String::new(),
        format!("{}service `{name}` assigns its tasks public IP addresses (assignPublicIp ENABLED): they are reachable from the internet", lead(source)),
        "set `assignPublicIp: DISABLED`, run the tasks in private subnets and reach them through a load balancer".into(),
        Spot::At("/networkConfiguration/awsvpcConfiguration/assignPublicIp".into()),
    )]
}
