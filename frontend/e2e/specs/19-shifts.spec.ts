import { expect, logIn, test } from '../support/fixtures';

/**
 * Issue 14, shifts: a supervisor edits a team's roster in the agent's own zone (an overnight
 * exception; an overlapping shift and a 25-hour one refused, the reason on the field), sees who is on
 * now (the demo's follow-the-sun rota always has someone on), the coverage of the coming week, and
 * their own availability in the header; an agent with a roster sees hers, in Chinese.
 */

interface BoardEntry {
  user_id: string;
  name: string;
  on_shift: boolean;
  next: { start: string } | null;
}

const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

test('edit a roster, see who is on now, the coverage and the availability badge', async ({ inbox: page, shot }) => {
  // The demo admin has no roster: their badge follows their presence alone.
  await expect(page.getByTestId('availability-badge')).toHaveAttribute('data-state', 'available');
  await expect(page.getByTestId('availability-badge')).toHaveText('Available');

  await page.getByTestId('nav-shifts').click();
  await expect(page.getByRole('heading', { name: 'Shifts', level: 1 })).toBeVisible();

  // On now: the demo's rota (Shanghai, Madrid, Los Angeles) leaves no hour without someone on shift.
  const onNow = page.getByTestId('on-now');
  await expect(onNow.getByTestId('board-row')).toHaveCount(3);
  await expect(onNow.locator('[data-testid="board-row"][data-on-shift="true"]').first()).toBeVisible();
  await expect(onNow.locator('[data-testid="board-row"][data-on-shift="true"]').first()).toContainText(/On shift until|Handing over/);

  // The roster of the frontline: Li Na's and Carlos's weekly patterns, each in their own zone.
  await page.getByTestId('shift-team').selectOption({ label: 'Frontline' });
  const roster = page.getByTestId('roster');
  await expect(roster.locator('[data-testid="roster-line"][data-kind="weekly"]')).toHaveCount(14);
  await expect(roster).toContainText('Asia/Shanghai');
  await expect(roster).toContainText('Europe/Madrid');

  // An overnight exception for Li Na, two months ahead: 22:00 for 8 hours ends at 06:00 the next day.
  const day = inDays(60);
  const form = page.getByTestId('shift-form');
  await form.getByTestId('shift-user').selectOption({ label: 'Li Na' });
  await expect(form.getByTestId('shift-zone')).toHaveValue('Asia/Shanghai');
  await form.getByTestId('shift-kind').selectOption('dated');
  await form.getByTestId('shift-date').fill(day);
  await form.getByTestId('shift-start').fill('22:00');
  await form.getByTestId('shift-length').fill('8');
  await expect(form.getByTestId('field-length')).toContainText('Ends at 06:00 the next day (overnight)');
  await form.getByTestId('shift-save').click();
  await expect(form.getByTestId('shift-added')).toBeVisible();
  const added = roster.locator('[data-testid="roster-line"][data-kind="exception"]').filter({ hasText: day });
  await expect(added).toHaveCount(1);
  await expect(added).toContainText('22:00–06:00');
  await expect(added).toContainText('(next day)');

  // The same night again, from 23:00: it overlaps, and the reason shows on the start field.
  await form.getByTestId('shift-start').fill('23:00');
  await form.getByTestId('shift-length').fill('2');
  await form.getByTestId('shift-save').click();
  const startField = form.getByTestId('field-start');
  await expect(startField).toHaveClass(/has-error/);
  await expect(startField.locator('.ffield__error')).toContainText("overlaps this agent's shift");
  await shot('19-roster-overlap-refused');

  // Longer than 24 hours: refused on the length field.
  await form.getByTestId('shift-date').fill(inDays(70));
  await form.getByTestId('shift-length').fill('25');
  await form.getByTestId('shift-save').click();
  await expect(form.getByTestId('field-length').locator('.ffield__error')).toHaveText('a shift may last at most 24 hours');
  await expect(roster.locator('[data-testid="roster-line"][data-kind="exception"]')).toHaveCount(1);

  // Coverage of the coming week: 168 hours, weekday × hour, none of them without anyone on the rota.
  const coverage = page.getByTestId('coverage');
  await expect(coverage.getByTestId('coverage-cell')).toHaveCount(168);
  await expect(coverage.getByTestId('coverage-gaps')).toBeVisible();
  await shot('19-shifts-page');

  // The exception goes again, leaving the demo's rota as it was.
  await added.getByTestId('roster-remove').click();
  await added.getByTestId('roster-remove').click();
  await expect(added).toHaveCount(0);
});

test('an agent with a roster sees her availability and the Shifts page in Chinese', async ({ page, api, shot }) => {
  const board = await api.request<BoardEntry[]>('GET', '/v1/shifts/now');
  const liNa = board.find((b) => b.name === 'Li Na');
  expect(liNa, 'Li Na is on the demo rota').toBeTruthy();

  await logIn(page, 'li.na@hourglass.local', 'hourglass-demo');
  const badge = page.getByTestId('availability-badge');
  if (liNa?.on_shift) {
    // On shift: opening the app is activity, so she is available even if the idle rule had set her away.
    await expect(badge).toHaveAttribute('data-state', 'available', { timeout: 15_000 });
    await expect(badge).toContainText('可接待');
  } else {
    await expect(badge).toHaveAttribute('data-state', 'off_shift');
    await expect(badge).toContainText('不在班');
    await expect(badge).toContainText('下一班');
  }

  await page.getByTestId('nav-shifts').click();
  await expect(page.getByTestId('nav-shifts')).toHaveText('排班');
  await expect(page.getByRole('heading', { name: '排班', level: 1 })).toBeVisible();
  await expect(page.getByRole('heading', { name: '当前在班' })).toBeVisible();
  await expect(page.getByRole('heading', { name: '未来一周覆盖情况' })).toBeVisible();
  // An agent reads the roster but does not edit it.
  await expect(page.getByTestId('roster-line').first()).toBeVisible();
  await expect(page.getByTestId('shift-form')).toHaveCount(0);
  await shot('19-shifts-zh');
});

test('the header keeps an agent’s status and Log out on screen with her shift line, in English, at laptop widths', async ({ page }) => {
  await logIn(page, 'li.na@hourglass.local', 'hourglass-demo');
  await page.getByRole('button', { name: 'English' }).click();
  const badge = page.getByTestId('availability-badge');
  await expect(badge).toBeVisible();
  for (const width of [1440, 1280, 1024, 800]) {
    await page.setViewportSize({ width, height: 800 });
    const logOut = page.getByRole('button', { name: 'Log out' });
    await expect(logOut).toBeInViewport({ ratio: 1 });
    await expect(badge).toBeInViewport({ ratio: 1 });
    // Nothing wider than the screen: the links scroll inside the bar instead.
    expect(await page.evaluate(() => document.documentElement.scrollWidth), `at ${width} px`).toBeLessThanOrEqual(width);
  }
  await page.getByRole('button', { name: '中文' }).click();
});
