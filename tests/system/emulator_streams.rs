//! The emulator where the service leans on DynamoDB's guarantees: a
//! cancelled transaction never reaches the table's stream (the outbox
//! hands over only messages whose change committed).

use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, Put, TransactWriteItem};
use serde_json::json;
use system_tests::*;

fn key(pk: &str) -> [(String, AttributeValue); 2] {
    [
        ("pk".to_owned(), AttributeValue::S(pk.to_owned())),
        ("sk".to_owned(), AttributeValue::S("item".to_owned())),
    ]
}

/// The `pk` of every stream record an iterator from `iterator` reads.
fn stream_keys(mut iterator: String) -> Vec<String> {
    let mut keys = Vec::new();
    for _ in 0..3 {
        let answer = dynamodb_streams("GetRecords", json!({ "ShardIterator": iterator }));
        keys.extend(
            answer["Records"]
                .as_array()
                .expect("records")
                .iter()
                .map(|r| r["dynamodb"]["Keys"]["pk"]["S"].as_str().unwrap_or("").to_owned()),
        );
        match answer["NextShardIterator"].as_str() {
            Some(next) => iterator = next.to_owned(),
            None => break,
        }
    }
    keys
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancelled_transaction_leaves_nothing_in_the_stream_and_hides_nothing_after_it() {
    let sdk = sdk_config().await;
    let table = fresh_table(&sdk).await;
    let dynamodb = aws_sdk_dynamodb::Client::new(&sdk);
    let described = dynamodb.describe_table().table_name(&table).send().await.unwrap();
    let stream = described.table().unwrap().latest_stream_arn().unwrap().to_owned();
    let shard = dynamodb_streams("DescribeStream", json!({ "StreamArn": stream }))
        ["StreamDescription"]["Shards"][0]["ShardId"]
        .as_str()
        .expect("a shard")
        .to_owned();
    let iterator = dynamodb_streams(
        "GetShardIterator",
        json!({ "StreamArn": stream, "ShardId": shard, "ShardIteratorType": "LATEST" }),
    )["ShardIterator"]
        .as_str()
        .expect("an iterator")
        .to_owned();

    // A write, then a check that fails: the whole transaction is cancelled.
    let put = Put::builder()
        .table_name(&table)
        .set_item(Some(key("never").into_iter().collect()))
        .build()
        .unwrap();
    let check = ConditionCheck::builder()
        .table_name(&table)
        .set_key(Some(key("absent").into_iter().collect()))
        .condition_expression("attribute_exists(pk)")
        .build()
        .unwrap();
    let cancelled = dynamodb
        .transact_write_items()
        .transact_items(TransactWriteItem::builder().put(put).build())
        .transact_items(TransactWriteItem::builder().condition_check(check).build())
        .send()
        .await;
    assert!(cancelled.is_err(), "the transaction is cancelled");
    dynamodb
        .put_item()
        .table_name(&table)
        .set_item(Some(key("committed").into_iter().collect()))
        .send()
        .await
        .unwrap();

    assert_eq!(stream_keys(iterator), ["committed"]);
    let never = dynamodb
        .get_item()
        .table_name(&table)
        .set_key(Some(key("never").into_iter().collect()))
        .consistent_read(true)
        .send()
        .await
        .unwrap();
    assert!(never.item().is_none());
}
