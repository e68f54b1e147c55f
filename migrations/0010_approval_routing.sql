-- Approval routing (issue 15 items 1-2). A card may be posted in several places (the task's
-- thread, a DM to the owner, the repo's approval channel); each is recorded so the card is posted
-- once per place (a retried dispatch posts only what is missing) and edited everywhere it went.
CREATE TABLE approval_cards (
  request_id    TEXT NOT NULL,
  place         TEXT NOT NULL,                        -- thread | dm | channel
  slack_channel TEXT NOT NULL,
  slack_ts      TEXT NOT NULL,
  created_at    TEXT NOT NULL,
  PRIMARY KEY (request_id, place)
);

-- In which role the decider decided: owner (the task's) or approver (listed in the repo's blueprint).
ALTER TABLE approvals ADD COLUMN decided_role TEXT;

-- Pending approvals a repo's approvers may decide (GET /v1/pending, /bgagent pending, App Home).
CREATE INDEX idx_approvals_repo_status ON approvals (repo, status, created_at);
