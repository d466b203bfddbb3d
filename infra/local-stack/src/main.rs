//! `local-stack provision`: create the table from `template.yaml`, the
//! outbox key's secret and the SMS code key's (random texts, named by
//! `OUTBOX_SECRET_ARN` and `SMS_CODE_SECRET_ARN`), the SES
//! sender identity (`MAIL_FROM`), the SES configuration set
//! (`EMAIL_CONFIGURATION_SET`, when set), the product's event bus
//! (`EVENT_BUS_NAME`) and the demo accounts on the endpoint in
//! `AWS_ENDPOINT_URL`, with the functions' configuration from the
//! environment. Idempotent.

use std::process::ExitCode;

use local_stack::{
    DEMO_ACCOUNTS, ensure_configuration_set, ensure_event_bus, ensure_secret, ensure_sender,
    ensure_table, seed_demo_accounts,
};
use recovery_aws::load_sdk_config;
use recovery_edges::config::Function;
use recovery_edges::{DeliveryConfig, FlowsConfig};
use recovery_wiring as wiring;

#[tokio::main]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    if args.next().as_deref() != Some("provision") {
        eprintln!(
            "usage: local-stack provision   (reads the functions' variables and AWS_ENDPOINT_URL)"
        );
        return ExitCode::from(2);
    }
    let (config, deliver, codes) = match (
        FlowsConfig::from_env(Function::AdminReset),
        DeliveryConfig::from_env(),
        FlowsConfig::from_env(Function::VerifyCode),
    ) {
        (Ok(config), Ok(deliver), Ok(codes)) => (config, deliver, codes),
        (Err(err), _, _) | (_, Err(err), _) | (_, _, Err(err)) => {
            eprintln!("local-stack: {err}");
            return ExitCode::from(2);
        }
    };
    let (table, sender) = (config.table_name.clone(), deliver.mail_from.clone());
    let sdk = load_sdk_config("local-stack");
    let dynamodb = aws_sdk_dynamodb::Client::new(&sdk);
    let result = async {
        let created = ensure_table(&dynamodb, &table).await?;
        let secrets = aws_sdk_secretsmanager::Client::new(&sdk);
        ensure_secret(&secrets, deliver.secrets.outbox.as_deref().unwrap_or_default(), None)
            .await?;
        let code_secret = codes.secrets.sms_code.as_deref().unwrap_or_default();
        ensure_secret(&secrets, code_secret, None).await?;
        let ses = aws_sdk_sesv2::Client::new(&sdk);
        ensure_sender(&ses, &sender).await?;
        if let Some(name) = &deliver.email_configuration_set {
            ensure_configuration_set(&ses, name).await?;
        }
        let events = aws_sdk_eventbridge::Client::new(&sdk);
        ensure_event_bus(&events, &deliver.event_bus_name).await?;
        let recovery = wiring::administration(&sdk, &config);
        let seeded = seed_demo_accounts(&recovery).await?;
        Ok::<_, local_stack::ProvisionError>((created, seeded))
    }
    .await;
    match result {
        Ok((created, seeded)) => {
            println!(
                "table {table}: {}; sender {sender} verified; {seeded} demo account(s) created",
                if created { "created from template.yaml" } else { "already there" }
            );
            for demo in DEMO_ACCOUNTS {
                println!("  {:<6} {:<18} {:<15} {}", demo.login, demo.email, demo.phone, demo.note);
            }
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("local-stack: {err}");
            ExitCode::FAILURE
        }
    }
}
