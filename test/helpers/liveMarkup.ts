/** What in a Slack or GitHub text would notify someone, link somewhere or show an image. */

/** Slack mrkdwn: `<` anything (mentions, broadcasts, links), a live @word, a bare URL. */
export function slackLive(text: string): string[] {
  const found: string[] = [];
  if (/<[^\s]/.test(text)) found.push("angle bracket markup");
  if (/@[A-Za-z]/.test(text)) found.push("live @mention");
  if (/https?:\/\//i.test(text) || /www\./i.test(text)) found.push("bare URL");
  return found;
}

/** GitHub markdown outside fenced blocks and code spans: mentions, links, images, autolinks, HTML. */
export function githubLive(md: string): string[] {
  let rest = md.replace(/^(`{3,})[^\n]*\n[\s\S]*?\n\1$/gm, "");
  rest = rest.replace(/(`+) [\s\S]*? \1/g, "");
  const found: string[] = [];
  if (/@[A-Za-z]/.test(rest)) found.push("live @mention");
  if (/\]\(/.test(rest)) found.push("link or image");
  if (/https?:\/\/|www\./i.test(rest)) found.push("autolink");
  if (/<(?!!-- bgagent:task-id=)/.test(rest)) found.push("HTML");
  return found;
}
