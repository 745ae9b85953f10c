-- A signed reconciliation's items as staff see them (API.md: kind, date, amount, reference, memo), kept beside the
-- signed document, which leaves references and memos out because they can name a household. Written once, at
-- signing, with the document (the table's triggers still refuse any change); the document's bytes and hash are
-- not touched. Rows signed before this have none: the service rebuilds their items while they still agree.

ALTER TABLE bank_reconciliations ADD COLUMN items TEXT;
