//! Transaction logs: when the file looks like one row per purchase, offer one row per
//! customer (`mode-transactions`) with the column mapping guessed and editable; then show
//! what the aggregation did (`rfm-report`).

use leptos::prelude::*;

use crate::core::rfm::TransactionMapping;
use crate::ui::state::{Actions, AppState};

type Field = (&'static str, &'static str, fn(&TransactionMapping) -> Option<usize>, fn(&mut TransactionMapping, Option<usize>));

const FIELDS: [Field; 6] = [
    (
        "customer",
        "Customer ID",
        |m| Some(m.customer),
        |m, v| {
            if let Some(v) = v {
                m.customer = v
            }
        },
    ),
    (
        "date",
        "Date",
        |m| Some(m.date),
        |m, v| {
            if let Some(v) = v {
                m.date = v
            }
        },
    ),
    ("invoice", "Order / invoice (optional)", |m| m.invoice, |m, v| m.invoice = v),
    ("amount", "Amount (or quantity × price)", |m| m.amount, |m, v| m.amount = v),
    ("quantity", "Quantity", |m| m.quantity, |m, v| m.quantity = v),
    ("unit_price", "Unit price", |m| m.unit_price, |m, v| m.unit_price = v),
];

#[component]
pub fn Transactions() -> impl IntoView {
    let state = expect_context::<AppState>();
    let actions = expect_context::<Actions>();
    let guess = move || state.file.with(|f| f.as_ref().and_then(|f| f.transactions.clone()));
    let rfm = move || state.file.with(|f| f.as_ref().and_then(|f| f.rfm.clone()));
    let headers = move || state.file.with(|f| f.as_ref().map(|f| f.headers.clone()).unwrap_or_default());
    // The mapping being edited: the guess for a log; the one used for customers.
    let mapping = RwSignal::new(None::<TransactionMapping>);
    let log_headers = RwSignal::new(Vec::<String>::new());
    Effect::new(move |_| {
        if let Some(r) = rfm() {
            mapping.set(Some(r.mapping));
        } else if let Some((m, _)) = guess() {
            mapping.set(Some(m));
            log_headers.set(headers());
        } else {
            // Not recognised (no header, say: a whitespace-separated log): the user maps it.
            let date = state.file.with(|f| {
                f.as_ref().and_then(|f| f.columns.iter().find(|c| c.kind == crate::core::profile::ColumnKind::Date).map(|c| c.index))
            });
            let n = headers().len();
            mapping.set(Some(TransactionMapping {
                customer: 0,
                date: date.unwrap_or(1.min(n.saturating_sub(1))),
                invoice: None,
                amount: n.checked_sub(1),
                quantity: None,
                unit_price: None,
            }));
            log_headers.set(headers());
        }
    });
    let active = move || rfm().is_some();
    let recognised = move || guess().is_some() || rfm().is_some();

    view! {
        <Show when=move || state.file.with(Option::is_some)>
            <details class="transactions" open=recognised>
                <summary>"Transaction log: one row per purchase?"</summary>
                <p>{move || match guess() {
                    Some((_, why)) => format!("This file looks like one row per purchase: {why}."),
                    None if !active() => "If each row is a purchase, map the columns and tick the box to get one row per customer.".to_owned(),
                    None => String::new(),
                }}</p>
                <label class="choice">
                    <input type="checkbox" data-testid="mode-transactions" prop:checked=active
                        on:change=move |ev| {
                            if event_target_checked(&ev) {
                                if let Some(m) = mapping.get_untracked() {
                                    actions.transactions(m);
                                }
                            } else {
                                actions.leave_transactions();
                            }
                        }/>
                    " One row per customer: Recency, Frequency, Monetary (then segments)"
                </label>
                <div class="inline-controls mapping">
                    {FIELDS.iter().map(|&(key, label, get, set)| view! {
                        <label>
                            {label} " "
                            <select data-testid=format!("map-{key}") on:change=move |ev| {
                                let v = event_target_value(&ev).parse::<usize>().ok();
                                mapping.update(|m| if let Some(m) = m { set(m, v) });
                                if active() {
                                    if let Some(m) = mapping.get_untracked() {
                                        actions.transactions(m);
                                    }
                                }
                            }>
                                <option value="" selected=move || mapping.with(|m| m.as_ref().and_then(get).is_none())>"–"</option>
                                {move || log_headers.get().into_iter().enumerate().map(|(i, h)| view! {
                                    <option value=i.to_string() selected=move || mapping.with(|m| m.as_ref().and_then(get) == Some(i))>{h}</option>
                                }).collect_view()}
                            </select>
                        </label>
                    }).collect_view()}
                </div>
                {move || rfm().map(|r| {
                    let rep = r.report.clone();
                    view! {
                        <div class="rfm-report" data-testid="rfm-report" data-customers=rep.customers.to_string()
                            data-cancelled-invoices=rep.cancelled_invoices.to_string()
                            data-rows-without-customer=rep.rows_without_customer.to_string()>
                            <p>{format!(
                                "{}: {} transaction rows → {} customers. {} rows without a customer ID left out (kept in the download with the reason); \
                                 {} cancelled invoices ({} lines) not counted as orders, their value netted from the customer's spend; \
                                 {} lines with a negative quantity; {} lines with a zero price (kept); {} rows with an unreadable date, {} with an unreadable amount.",
                                r.source, rep.rows_read, rep.customers, rep.rows_without_customer, rep.cancelled_invoices,
                                rep.cancellation_lines, rep.negative_quantity_lines, rep.zero_price_lines,
                                rep.unreadable_date_rows, rep.unreadable_amount_rows
                            )}</p>
                            <p class="muted">"Recency: days from the last purchase to the day after the file's last date. Frequency: distinct orders. Monetary: net spend. Monetary and Frequency are log-transformed by default (skewed)."</p>
                            <button type="button" class="download" data-testid="download-customers"
                                on:click=move |_| actions.download(crate::worker::protocol::ExportKind::CustomersCsv)>
                                "Download customers (R, F, M, scores, segment)"
                            </button>
                        </div>
                    }
                })}
            </details>
        </Show>
    }
}
