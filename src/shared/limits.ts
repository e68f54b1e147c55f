/** Limits shared by the API, the TaskDO and the CLI. Figures follow the AWS twin where it is sound. */
export const LIMITS = {
  bodyBytes: 256 * 1024,
  toolInputBytes: 64 * 1024,
  descriptionChars: 8000,
  nameChars: 100,
  denyReasonChars: 2000,
  agentReasonChars: 500,
  inputPreviewChars: 256,
  scopeChars: 128,
  initialApprovalsMax: 20,
  approvalTimeoutS: { min: 30, max: 3600, default: 300 },
  approvalGateCap: { min: 1, max: 500, default: 50 },
  blueprintPolicyBytes: 64 * 1024,
  listLimit: { default: 50, max: 200 },
  eventMetadataBytes: 16 * 1024,
  claimWaitS: 25,
  approvalWaitS: 25,
} as const;
