// Runs Google's Lighthouse (mobile profile, its defaults) on each URL in turn in one
// Debian Chromium, and prints, per URL, the four category scores and every audit that
// lost points. Usage: node lighthouse.mjs TOOLS_FOLDER CHROMIUM URL...
import path from "node:path";
import { pathToFileURL } from "node:url";

const [tools, chromium, ...urls] = process.argv.slice(2);
const modules = path.join(tools, "node_modules");
const load = (name, file) => import(pathToFileURL(path.join(modules, name, file)).href);
const { default: lighthouse } = await load("lighthouse", "core/index.js");
const chromeLauncher = await load("chrome-launcher", "dist/index.js");

const chrome = await chromeLauncher.launch({
  chromePath: chromium,
  chromeFlags: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-sync", "--disable-background-networking", "--disable-component-update"],
});
const reports = [];
try {
  for (const url of urls) {
    // The audits below take most of a run's time and count in no category's score.
    const { lhr } = await lighthouse(url, { port: chrome.port, logLevel: "error", output: "json",
                                            disableFullPageScreenshot: true },
                                     { extends: "lighthouse:default",
                                       settings: { skipAudits: ["bf-cache", "screenshot-thumbnails", "final-screenshot"] } });
    const scores = Object.fromEntries(Object.entries(lhr.categories).map(([id, c]) => [id, c.score]));
    const lost = Object.values(lhr.audits)
      .filter((a) => a.score !== null && a.score < 1 && ["binary", "numeric", "metricSavings"].includes(a.scoreDisplayMode))
      .map((a) => ({ id: a.id, score: a.score, value: a.displayValue || "",
                     items: (a.details?.items || []).slice(0, 5).map((i) => i.node?.snippet || i.url || i.source?.url || "") }));
    reports.push({ url, scores, lost, runtimeError: lhr.runtimeError?.message || "" });
  }
} finally {
  await chrome.kill();
}
console.log(JSON.stringify(reports));
