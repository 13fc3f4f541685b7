#!/usr/bin/env node
// Renders media/icon.png (128x128) from the SVG below with Debian's Chromium, so the icon has a
// source in the repo and no image editor is needed. Run: node test/demo/icon.mjs
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser } from '../host/codeServer.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const svg = `
<svg xmlns="http://www.w3.org/2000/svg" width="128" height="128" viewBox="0 0 128 128">
  <defs>
    <linearGradient id="bg" x1="0" y1="0" x2="1" y2="1">
      <stop offset="0" stop-color="#00ADD8"/><stop offset="1" stop-color="#007D9C"/>
    </linearGradient>
  </defs>
  <rect x="4" y="4" width="120" height="120" rx="26" fill="url(#bg)"/>
  <!-- a reload arrow around a gopher-ish face -->
  <path d="M64 22a42 42 0 1 1-39.2 27" fill="none" stroke="#fff" stroke-width="9" stroke-linecap="round"/>
  <path d="M14 40l12 14 14-12z" fill="#fff"/>
  <circle cx="50" cy="60" r="11" fill="#fff"/><circle cx="78" cy="60" r="11" fill="#fff"/>
  <circle cx="52" cy="61" r="5" fill="#1b1b1b"/><circle cx="80" cy="61" r="5" fill="#1b1b1b"/>
  <ellipse cx="64" cy="78" rx="9" ry="6" fill="#F6D2A2"/>
  <rect x="59" y="82" width="4.5" height="7" rx="1" fill="#fff"/><rect x="64.5" y="82" width="4.5" height="7" rx="1" fill="#fff"/>
  <ellipse cx="64" cy="75" rx="4" ry="2.6" fill="#1b1b1b"/>
</svg>`;
const browser = await launchBrowser();
const page = await browser.newPage({ viewport: { width: 128, height: 128 } });
await page.setContent(`<html><body style="margin:0;background:transparent">${svg}</body></html>`);
await page.screenshot({ path: path.join(root, 'media', 'icon.png'), omitBackground: true });
await browser.close();
console.log('wrote media/icon.png');
