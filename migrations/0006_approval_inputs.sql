-- The human sees what runs: the whole tool input of an approval (the gate caps it at 64 KB) and
-- the gate's summary of what the call does. tool_input is NULL for approvals recorded before this
-- migration (only their preview exists); lists keep reading the preview.
ALTER TABLE approvals ADD COLUMN tool_input TEXT;                    -- JSON object
ALTER TABLE approvals ADD COLUMN effects TEXT NOT NULL DEFAULT '[]'; -- JSON array of short phrases
