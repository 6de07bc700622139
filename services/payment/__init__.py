"""The payment service: fees paid by VietQR, bank notices from SePay and payOS, receipts, reconciliation
(motcua.cmd.payment.*)."""
