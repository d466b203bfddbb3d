//! The store contract on the in-memory store (the DynamoDB store runs the
//! same cases on the emulator, in the system tests).

use recovery_testing::InMemoryStore;

async fn fresh_store() -> InMemoryStore {
    InMemoryStore::new()
}

recovery_testing::store_contract_tests!(fresh_store);
