/**
 * `Sforce-Limit-Info: api-usage=10018/100000` comes back on REST responses (REST API Developer
 * Guide, "Limit Info Header"). Older orgs add `per-app-api-usage=...` after a comma.
 */
export interface LimitInfo {
  used: number;
  limit: number;
}

export function parseLimitInfo(header: string | null | undefined): LimitInfo | undefined {
  if (!header) return undefined;
  const m = /(?:^|[,;\s])api-usage=(\d+)\/(\d+)/.exec(header);
  if (!m) return undefined;
  return { used: Number(m[1]), limit: Number(m[2]) };
}
