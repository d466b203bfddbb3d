//! Items as the table's stream carries them: DynamoDB's JSON (`{"S": ...}`,
//! `{"N": ...}`, `{"B": <base64>}`) in the records Lambda hands the deliver
//! function, read back into items.

use std::collections::HashMap;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};

use super::layout::{self, Item};
use recovery_core::ports::OutboxItem;

/// The outbox message in a stream record's `NewImage`; `None` for any other
/// item or an image that does not read.
pub fn outbox_item_from_stream_image(image: &Value) -> Option<OutboxItem> {
    layout::outbox_from_item(&item_from_json(image)?)
}

/// The `NewImage` the stream carries when `item` is written: what the
/// deliver function is handed (for the tests of the delivery and the local
/// stack's stream).
pub fn outbox_stream_image(item: &OutboxItem) -> Value {
    stream_image(&layout::outbox_item(item))
}

/// Any item as the stream carries it.
pub fn stream_image(item: &HashMap<String, AttributeValue>) -> Value {
    let image: Map<String, Value> =
        item.iter().map(|(name, value)| (name.clone(), to_json(value))).collect();
    Value::Object(image)
}

fn to_json(value: &AttributeValue) -> Value {
    match value {
        AttributeValue::S(text) => json!({ "S": text }),
        AttributeValue::N(number) => json!({ "N": number }),
        AttributeValue::B(blob) => json!({ "B": STANDARD.encode(blob.as_ref()) }),
        AttributeValue::Bool(flag) => json!({ "BOOL": flag }),
        AttributeValue::Ss(items) => json!({ "SS": items }),
        AttributeValue::Ns(items) => json!({ "NS": items }),
        AttributeValue::L(items) => json!({ "L": items.iter().map(to_json).collect::<Vec<_>>() }),
        AttributeValue::M(map) => json!({
            "M": map.iter().map(|(k, v)| (k.clone(), to_json(v))).collect::<Map<_, _>>()
        }),
        _ => json!({ "NULL": true }),
    }
}

fn item_from_json(image: &Value) -> Option<Item> {
    image.as_object()?.iter().map(|(name, value)| Some((name.clone(), attribute(value)?))).collect()
}

fn attribute(value: &Value) -> Option<AttributeValue> {
    let (kind, inner) = value.as_object()?.iter().next()?;
    let strings = |v: &Value| -> Option<Vec<String>> {
        v.as_array()?.iter().map(|s| s.as_str().map(str::to_owned)).collect()
    };
    Some(match kind.as_str() {
        "S" => AttributeValue::S(inner.as_str()?.to_owned()),
        "N" => AttributeValue::N(inner.as_str()?.to_owned()),
        "B" => AttributeValue::B(Blob::new(STANDARD.decode(inner.as_str()?).ok()?)),
        "BOOL" => AttributeValue::Bool(inner.as_bool()?),
        "NULL" => AttributeValue::Null(true),
        "SS" => AttributeValue::Ss(strings(inner)?),
        "NS" => AttributeValue::Ns(strings(inner)?),
        "L" => AttributeValue::L(inner.as_array()?.iter().map(attribute).collect::<Option<_>>()?),
        "M" => AttributeValue::M(
            inner
                .as_object()?
                .iter()
                .map(|(k, v)| Some((k.clone(), attribute(v)?)))
                .collect::<Option<HashMap<_, _>>>()?,
        ),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use recovery_domain::{Timestamp, UserId};
    use recovery_messages::{Channel, MessageKind};

    #[test]
    fn an_outbox_item_comes_back_from_its_stream_image() {
        let item = OutboxItem {
            user_id: UserId::from_stored("u-1"),
            key: "1800000000000#00ff00ff00ff00ff".into(),
            channel: Channel::Sms,
            kind: MessageKind::Code,
            created_at: Timestamp::from_epoch_seconds(1_800_000_000),
            send_before: Timestamp::from_epoch_seconds(1_800_000_060),
            sealed: vec![0, 1, 2, 250, 255],
        };
        let image = outbox_stream_image(&item);
        let values = image.as_object().unwrap().values();
        assert!(values.filter(|v| v["B"] == "AAEC+v8=").count() == 1);
        assert_eq!(outbox_item_from_stream_image(&image), Some(item));
        assert_eq!(outbox_item_from_stream_image(&json!({})), None);
        assert_eq!(outbox_item_from_stream_image(&json!("not an image")), None);
    }
}
