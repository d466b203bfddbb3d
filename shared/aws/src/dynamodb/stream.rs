//! Items as the table's stream carries them: DynamoDB's JSON (`{"S": ...}`,
//! `{"N": ...}`, `{"B": <base64>}`) in the records Lambda hands the deliver
//! function, read back into items by `serde_dynamo`.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::Value;

use super::layout::{self, Item};
use recovery_core::ports::OutboxItem;

/// The outbox message in a stream record's `NewImage`; `None` for any other
/// item or an image that does not read.
pub fn outbox_item_from_stream_image(image: &Value) -> Option<OutboxItem> {
    let item: Item = serde_json::from_value::<serde_dynamo::Item>(image.clone()).ok()?.into();
    layout::outbox_from_item(&item)
}

/// The `NewImage` the stream carries when `item` is written: what the
/// deliver function is handed (for the tests of the delivery and the local
/// stack's stream).
pub fn outbox_stream_image(item: &OutboxItem) -> Value {
    stream_image(&layout::outbox_item(item))
}

/// Any item as the stream carries it.
pub fn stream_image(item: &HashMap<String, AttributeValue>) -> Value {
    serde_json::to_value(serde_dynamo::Item::from(item.clone()))
        .expect("DynamoDB JSON is always JSON")
}
#[cfg(test)]
mod tests {
    use super::*;
    use recovery_domain::{Timestamp, UserId};
    use recovery_messages::{Channel, MessageKind};
    use serde_json::json;

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
            carries: None,
            workspace: None,
        };
        let image = outbox_stream_image(&item);
        let values = image.as_object().unwrap().values();
        assert!(values.filter(|v| v["B"] == "AAEC+v8=").count() == 1);
        assert_eq!(outbox_item_from_stream_image(&image), Some(item));
        assert_eq!(outbox_item_from_stream_image(&json!({})), None);
        assert_eq!(outbox_item_from_stream_image(&json!("not an image")), None);
    }
}
