// The full journey through techmatch's pages in a real browser (Debian's chromium driven by
// playwright-core), in Chinese, with the key pages checked again in English. Each step leaves
// a screenshot in $ARTIFACTS. Run by tests/browser.rs, which starts the server and the accounts,
// and lets the fair take place when asked (by moving its day into the past).
import { chromium } from 'playwright-core';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const base = process.env.BASE_URL;
const password = process.env.PASSWORD;
const artifacts = process.env.ARTIFACTS;
const accounts = {
  researcher: process.env.RESEARCHER_EMAIL,
  company: process.env.COMPANY_EMAIL,
  officer: process.env.OFFICER_EMAIL,
  rival: process.env.RIVAL_EMAIL,
};
mkdirSync(artifacts, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
});
let step = 0;
async function shot(page, name) {
  step += 1;
  await page.screenshot({ path: join(artifacts, `${String(step).padStart(2, '0')}-${name}.png`), fullPage: true });
}
function expect(condition, message) {
  if (!condition) throw new Error(`journey failed: ${message}`);
}
async function session(who, locale = 'zh-CN') {
  const context = await browser.newContext({ locale, acceptDownloads: true, extraHTTPHeaders: { 'Accept-Language': locale } });
  const page = await context.newPage();
  await page.goto(`${base}/login`);
  await page.fill('input[name=email]', accounts[who]);
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForURL(`${base}/`), page.click('form[action="/login"] button[type=submit]')]);
  expect((await page.content()).includes(accounts[who]), `${who} is signed in`);
  return page;
}

try {
  // A researcher posts a result.
  const researcher = await session('researcher');
  await researcher.goto(`${base}/my/results/new`);
  await researcher.fill('#title', '温室环境自动感应控制开闭窗系统');
  await researcher.fill('#abstract', '根据温湿度传感器自动控制温室天窗开闭，减少人工巡检，支持手机远程监控。');
  await researcher.fill('#keywords', '温室，自动控制，开窗');
  await researcher.fill('#industry_codes', '01');
  await researcher.selectOption('#maturity', 'pilot');
  await researcher.selectOption('#status', 'published');
  await Promise.all([researcher.waitForURL(/\/results\/\d+$/), researcher.click('form[action="/my/results/new"] button[type=submit]')]);
  expect((await researcher.content()).includes('温室环境自动感应控制开闭窗系统'), 'the result is published');
  await shot(researcher, 'researcher-posted-result');

  // A company posts a need.
  const company = await session('company');
  await company.goto(`${base}/my/needs/new`);
  await company.fill('#title', '二十多个大棚开窗关窗全靠人跑');
  await company.fill('#description', '大棚中午热了要开窗，下午降温要关窗，全靠人跑，希望能根据温度自动开关窗，手机上能看。');
  await company.fill('#industry_codes', '01');
  await Promise.all([company.waitForURL(/\/needs\/\d+$/), company.click('form[action="/my/needs/new"] button[type=submit]')]);
  await shot(company, 'company-posted-need');

  // The company also posts a confidential need; another company never sees it on any page.
  const secretTitle = '保密：温室补光灯节能改造方案';
  await company.goto(`${base}/my/needs/new`);
  await company.fill('#title', secretTitle);
  await company.fill('#description', '温室补光灯耗电太高，希望找到节能改造方案，此需求不对外公开。');
  await company.check('#confidential');
  await Promise.all([company.waitForURL(/\/needs\/\d+$/), company.click('form[action="/my/needs/new"] button[type=submit]')]);
  const secretUrl = company.url();
  expect((await company.content()).includes(secretTitle), 'the owner sees the confidential need');
  const rival = await session('rival');
  for (const path of ['/', '/search?q=%E8%A1%A5%E5%85%89%E7%81%AF', '/search?q=%E8%A1%A5%E5%85%89%E7%81%AF&kind=need', '/my', '/events']) {
    await rival.goto(`${base}${path}`);
    expect(!(await rival.content()).includes(secretTitle), `the confidential need is not on ${path} for another company`);
  }
  await shot(rival, 'rival-search-without-confidential-need');
  const direct = await rival.goto(secretUrl);
  expect(direct.status() === 404 && !(await rival.content()).includes(secretTitle), 'its own page is not found for another company');
  const exported = await rival.context().request.get(`${base}/export/needs.csv`);
  expect(exported.ok() && !(await exported.text()).includes(secretTitle), 'nor in the export');

  // The liaison officer sees the pair with its explanation and shortlists it.
  const officer = await session('officer');
  await officer.goto(`${base}/suggestions`);
  const card = officer.locator('article.card', { hasText: '二十多个大棚开窗关窗全靠人跑' }).filter({ hasText: '温室环境自动感应控制开闭窗系统' });
  expect(await card.count() === 1, 'the pair is in the suggestion queue');
  expect((await card.textContent()).includes('匹配度'), 'with its score');
  await shot(officer, 'officer-suggestion-queue');
  await card.locator('input[name=note]').fill('值得安排对接');
  await Promise.all([officer.waitForURL(/decided=1/), card.locator('button[value=shortlist]').click()]);
  expect((await officer.content()).includes('已记录您的决定'), 'the decision is recorded');

  // The company finds the result and writes to the researcher, who accepts: both then see the
  // other's contact. The officer records the contract and its registration; the funnel shows it.
  await company.goto(`${base}/search?q=${encodeURIComponent('温室 开窗')}`);
  await Promise.all([
    company.waitForURL(/\/results\/\d+/),
    company.locator('a', { hasText: '温室环境自动感应控制开闭窗系统' }).first().click(),
  ]);
  expect((await company.content()).includes('发布单位'), 'the result names who posted it');
  await company.selectOption('#purpose', 'license');
  await company.fill('#message', '我们有二十多个大棚，想许可使用这套自动开窗系统。');
  await Promise.all([company.waitForURL(/notice=done/), company.click('form[action="/interests"] button[type=submit]')]);
  await shot(company, 'company-expressed-interest');
  await researcher.goto(`${base}/my/deals`);
  let deals = await researcher.content();
  expect(deals.includes('我们有二十多个大棚'), 'the interest arrived');
  expect(!deals.includes(accounts.company), 'no contact before accepting');
  await Promise.all([
    researcher.waitForURL(/notice=done/),
    researcher.click('form[action$="/answer"]:has(input[name=decision][value=accept]) button'),
  ]);
  expect((await researcher.content()).includes(accounts.company), "the researcher sees the company's contact");
  await shot(researcher, 'researcher-accepted-interest');
  await company.goto(`${base}/my/deals`);
  expect((await company.content()).includes(accounts.researcher), "the company sees the researcher's contact");
  await shot(company, 'company-sees-contact');
  // They talk in the deal's thread.
  const companyDeal = company.locator('article[id^="deal-"]').first();
  await companyDeal.locator('textarea[name=body]').fill('下周三来实验室看样机可以吗？');
  await Promise.all([company.waitForURL(/notice=done/), companyDeal.locator('section.thread button[type=submit]').click()]);
  await researcher.goto(`${base}/my/deals`);
  expect((await researcher.content()).includes('下周三来实验室看样机可以吗？'), 'the message reached the researcher');
  const researcherDeal = researcher.locator('article[id^="deal-"]').first();
  await researcherDeal.locator('textarea[name=body]').fill('可以，周三上午十点见。');
  await Promise.all([researcher.waitForURL(/notice=done/), researcherDeal.locator('section.thread button[type=submit]').click()]);
  await company.goto(`${base}/my/deals`);
  expect((await company.content()).includes('可以，周三上午十点见。'), 'and the answer reached the company');
  await shot(company, 'company-deal-messages');
  const yesterday = new Date(Date.now() - 86400000).toISOString().slice(0, 10);
  await officer.goto(`${base}/my/deals`);
  let dealCard = officer.locator('article[id^="deal-"]').first();
  await dealCard.locator('select[name=stage]').selectOption('contract_signed');
  await dealCard.locator('select[name=contract_type]').selectOption('technology_license');
  await dealCard.locator('input[name=contract_amount_yuan]').fill('800000');
  await dealCard.locator('input[name=contract_date]').fill(yesterday);
  await Promise.all([officer.waitForURL(/notice=done/), dealCard.locator('form[action$="/stage"] button[type=submit]').click()]);
  dealCard = officer.locator('article[id^="deal-"]').first();
  await dealCard.locator('select[name=stage]').selectOption('contract_registered');
  await dealCard.locator('input[name=registration_number]').fill('2026420100000123');
  await dealCard.locator('input[name=registration_date]').fill(yesterday);
  await Promise.all([officer.waitForURL(/notice=done/), dealCard.locator('form[action$="/stage"] button[type=submit]').click()]);
  expect((await officer.content()).includes('合同已登记'), 'the registration is recorded');
  await shot(officer, 'officer-registered-contract');
  await officer.goto(`${base}/deals/funnel`);
  const funnelPage = await officer.content();
  expect(funnelPage.includes('1 个完成技术合同登记'), 'the funnel counts the registered contract');
  expect(funnelPage.includes('从检索浏览发出的合作意向'), 'its deal came from an interest sent after a search');
  const inChina = new Date(Date.now() + 8 * 3600000);
  const chinaMonth = `${inChina.getUTCFullYear()}年${inChina.getUTCMonth() + 1}月`;
  expect(funnelPage.includes(`${chinaMonth}:`), 'and opened this month, named as people write it');
  await shot(officer, 'officer-deal-funnel');

  // The officer creates an event and opens it.
  await officer.goto(`${base}/events/new`);
  await officer.fill('#title', '智慧农业技术对接会');
  await officer.fill('#venue', '武汉农科院报告厅');
  await officer.fill('#date', '2099-04-01');
  await officer.fill('#registration_deadline', '2099-03-25');
  await officer.fill('#morning_slots', '3');
  await officer.fill('#tables', '2');
  await Promise.all([officer.waitForURL(/\/events\/\d+$/), officer.click('form[action="/events/new"] button[type=submit]')]);
  const eventUrl = officer.url();
  await Promise.all([officer.waitForURL(/notice=done/), officer.click('form[action$="/open"] button')]);
  await shot(officer, 'officer-opened-event');

  // Both register with their listing; the officer approves both.
  for (const page of [researcher, company]) {
    await page.goto(eventUrl);
    await page.locator('input[name=listing]').first().check();
    await page.fill('#max_meetings', '2');
    await Promise.all([page.waitForURL(/notice=done/), page.click('form[action$="/register"] button[type=submit]')]);
  }
  await officer.goto(eventUrl);
  while (await officer.locator('form[action*="/decision"] button[value=true]').count() > 0) {
    await Promise.all([
      officer.waitForResponse((response) => response.url().includes('/decision')),
      officer.locator('form[action*="/decision"] button[value=true]').first().click(),
    ]);
    await officer.goto(eventUrl);
  }
  await shot(officer, 'officer-approved-participants');

  // The company requests a meeting; the researcher accepts it.
  await company.goto(eventUrl);
  await company.locator('form[action$="/request"] input[name=message]').first().fill('想请您来大棚现场看看');
  await Promise.all([company.waitForURL(/notice=done/), company.locator('form[action$="/request"] button').first().click()]);
  await researcher.goto(eventUrl);
  expect((await researcher.content()).includes('想请您来大棚现场看看'), 'the request arrived');
  await Promise.all([researcher.waitForURL(/notice=done/), researcher.click('form[action*="/answer"] button[value=true]')]);
  await shot(researcher, 'researcher-accepted-request');

  // The officer schedules and publishes; the researcher downloads the agenda.
  await officer.goto(eventUrl);
  await Promise.all([officer.waitForURL(/notice=done/), officer.click('form[action$="/schedule"] button')]);
  await shot(officer, 'officer-published-schedule');

  // On the grid, the officer drags the meeting onto an empty cell; it moves there, locked.
  await officer.goto(`${eventUrl}/grid`);
  const meeting = officer.locator('[data-meeting]').first();
  const meetingId = await meeting.getAttribute('data-meeting');
  const empty = officer.locator('td[data-slot]:not(:has([data-meeting]))').first();
  const target = [await empty.getAttribute('data-slot'), await empty.getAttribute('data-table')];
  await Promise.all([officer.waitForURL(/grid\?notice=done/), meeting.dragTo(empty)]);
  const moved = officer.locator(`td[data-slot="${target[0]}"][data-table="${target[1]}"] [data-meeting="${meetingId}"]`);
  expect(await moved.count() === 1, 'the meeting sits in the cell it was dropped on');
  expect((await moved.textContent()).includes('已锁定'), 'and is locked');
  await shot(officer, 'officer-schedule-grid');
  // The printable schedule keeps its styling under the pages' content policy.
  await officer.goto(`${eventUrl}/schedule.html`);
  const printed = await officer.evaluate(() => {
    const table = document.querySelector('table');
    return table && getComputedStyle(table).borderCollapse;
  });
  expect(printed === 'collapse', `the printable schedule is styled (border-collapse: ${printed})`);
  await shot(officer, 'officer-printable-schedule');
  await researcher.goto(eventUrl);
  const [download] = await Promise.all([researcher.waitForEvent('download'), researcher.click('a[href$="agenda.ics"]')]);
  const saved = join(artifacts, 'agenda.ics');
  await download.saveAs(saved);
  const calendar = readFileSync(saved, 'utf8');
  expect(calendar.includes('BEGIN:VCALENDAR') && calendar.includes('BEGIN:VEVENT'), 'the agenda has the meeting');
  await shot(researcher, 'researcher-agenda');

  // Before the fair nobody can say a meeting was held, let alone signed.
  await officer.goto(eventUrl);
  let row = officer.locator('form[action*="/outcome"]').first();
  await Promise.all([officer.waitForURL(/notice=failed/), row.locator('button').click()]);
  expect((await officer.content()).includes('洽谈尚未开始'), 'the page says the meeting has not begun');
  await shot(officer, 'officer-outcome-before-the-fair');

  // The fair takes place: the test harness moves its day into the past and says which day.
  writeFileSync(join(artifacts, 'waiting-for-fair'), new URL(eventUrl).pathname.split('/').pop());
  const fairOver = join(artifacts, 'fair-over');
  for (let waited = 0; !existsSync(fairOver); waited += 100) {
    expect(waited < 60000, 'the fair took place');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const fairDay = readFileSync(fairOver, 'utf8').trim();
  const period = `from=${new Date(Date.parse(fairDay) - 40 * 86400000).toISOString().slice(0, 10)}&to=${new Date().toISOString().slice(0, 10)}`;

  // The officer records a signed contract on the meeting's deal; the statistics page shows it.
  await officer.goto(eventUrl);
  row = officer.locator('form[action*="/outcome"]').first();
  await row.locator('select[name=stage]').selectOption('contract_signed');
  await row.locator('select[name=contract_type]').selectOption('technology_development');
  await row.locator('input[name=contract_amount_yuan]').fill('800000');
  await row.locator('input[name=contract_date]').fill(fairDay);
  await Promise.all([officer.waitForURL(/notice=done/), row.locator('button').click()]);
  expect((await officer.content()).includes('已举行 · 已签约'), 'the meeting shows it was held and signed');
  await officer.goto(`${base}/stats?${period}`);
  const stats = await officer.content();
  expect(stats.includes('签约 1 项') && stats.includes('80.0 万元'), 'the statistics count the contract');
  await shot(officer, 'officer-statistics');

  // The same key pages in English.
  await officer.goto(`${base}/stats?${period}&lang=en`);
  const statsEn = await officer.content();
  expect(statsEn.includes('1 contract worth 800,000 yuan'), 'the English summary counts as English does');
  expect(statsEn.includes('Region not given') && !statsEn.includes('>unknown<'), 'regions in words, in English');
  await shot(officer, 'officer-statistics-en');
  await officer.goto(eventUrl);
  expect((await officer.content()).includes('Schedule and publish the meetings'), 'the English event page');
  await shot(officer, 'officer-event-en');
  await officer.goto(`${eventUrl}/grid`);
  expect((await officer.content()).includes('Schedule grid'), 'the English schedule grid');
  await shot(officer, 'officer-grid-en');
  await officer.goto(`${base}/`);
  expect((await officer.content()).includes('Latest research results'), 'the English home page');
  await shot(officer, 'home-en');
  // On a phone: the pages fit the screen's width (wide tables scroll inside their own box).
  const phone = await browser.newContext({ locale: 'zh-CN', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const mobile = await phone.newPage();
  for (const [path, name] of [['/', 'phone-home'], [new URL(eventUrl).pathname, 'phone-event'], ['/search?q=%E6%B8%A9%E5%AE%A4', 'phone-search']]) {
    await mobile.goto(`${base}${path}`);
    const overflow = await mobile.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow <= 1, `${path} fits a phone's width (overflow ${overflow}px)`);
    await shot(mobile, name);
  }
  console.log(`journey passed: ${step} screenshots in ${artifacts}`);
} finally {
  await browser.close();
}
