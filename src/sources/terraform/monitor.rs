//! `azurerm_monitor_diagnostic_setting` → `Microsoft.Insights/diagnosticSettings`, with the ID
//! `{target_resource_id}/providers/Microsoft.Insights/diagnosticSettings/{name}` that ties it to the
//! resource it collects from. azurerm v4 `enabled_log {category | category_group}` and
//! `enabled_metric`, v3 `log {category, category_group, enabled}` and `metric {category, enabled}`.

use super::arm::{Arm, Block, Mapper, same};
use super::plan::Resource;
use super::references::{ANY_ID, Accept, Resolved, Resolver};
use serde_json::{Value, json};

pub const TYPE: &str = "Microsoft.Insights/diagnosticSettings";

/// The setting, or why the resource it belongs to is known only after apply.
pub fn map(rs: &Resolver, r: &Resource) -> Result<Arm, String> {
    rs.string(r, "target_resource_id", ANY_ID)?;
    let id = rs.arm_id(r)?;
    let name = rs.name(r);
    let mut m = Mapper::new(rs, r, &id, &name, TYPE);
    for (tf, arm) in [
        ("log_analytics_workspace_id", "properties.workspaceId"),
        ("storage_account_id", "properties.storageAccountId"),
        ("eventhub_authorization_rule_id", "properties.eventHubAuthorizationRuleId"),
    ] {
        let v = m.value(tf, ANY_ID);
        m.put(arm, tf, v, same, None);
    }
    m.field("properties.eventHubName", "eventhub_name", same, None);
    m.field("properties.logAnalyticsDestinationType", "log_analytics_destination_type", same, None);

    let mut logs = Vec::new();
    // v4 (and v3 ≥ 3.39): every `enabled_log` is on.
    entries(&m, "enabled_log", &mut logs, |m, p| {
        let mut e = category(m, p);
        e["enabled"] = json!(true);
        e
    });
    // v3: `log` blocks carry their own `enabled` (true unless set).
    entries(&m, "log", &mut logs, |m, p| {
        let mut e = category(m, p);
        e["enabled"] = flag(m, &format!("{p}.enabled"));
        e
    });
    let mut metrics = Vec::new();
    entries(
        &m,
        "metric",
        &mut metrics,
        |m, p| json!({"category": get(m, &format!("{p}.category")), "enabled": flag(m, &format!("{p}.enabled"))}),
    );
    entries(
        &m,
        "enabled_metric",
        &mut metrics,
        |m, p| json!({"category": get(m, &format!("{p}.category")), "enabled": true}),
    );
    m.arm.set("properties.logs", Value::Array(logs));
    m.arm.set("properties.metrics", Value::Array(metrics));
    let line = m.line_of("enabled_log").or_else(|| m.line_of("log"));
    m.arm.line("properties.logs", line);
    Ok(m.arm)
}

fn entries(m: &Mapper, block: &str, out: &mut Vec<Value>, each: impl Fn(&Mapper, &str) -> Value) {
    if let Block::Entries(n) = m.block(block) {
        out.extend((0..n).map(|i| each(m, &format!("{block}.{i}"))));
    }
}

fn get(m: &Mapper, path: &str) -> Value {
    m.value(path, Accept::NONE).into_arm(same).unwrap_or(Value::Null)
}

fn flag(m: &Mapper, path: &str) -> Value {
    match m.value(path, Accept::NONE) {
        Resolved::Absent => json!(true),
        other => other.into_arm(same).unwrap_or(json!(true)),
    }
}

/// `{category}` or `{categoryGroup}`, whichever the block sets.
fn category(m: &Mapper, p: &str) -> Value {
    let mut e = json!({});
    for (tf, arm) in [("category", "category"), ("category_group", "categoryGroup")] {
        let v = get(m, &format!("{p}.{tf}"));
        if !v.is_null() && v != json!("") {
            e[arm] = v;
        }
    }
    e
}
