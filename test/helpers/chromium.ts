import { chromium, type Browser } from "playwright-core";

/** Debian's Chromium, headless: the suite drives the installed browser and never downloads one. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}
