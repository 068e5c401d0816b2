import { DEMO_EMAIL, expect, logIn, test } from '../support/fixtures';

test.describe('login', () => {
  test('refuses a wrong password, then logs in with the printed demo credentials', async ({ page, shot }) => {
    await page.goto('/');
    await expect(page).toHaveURL(/\/login/);
    await page.getByLabel('Email').fill(DEMO_EMAIL);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect(page.getByRole('alert')).toHaveText('Wrong email or password.');
    await shot('01-login-error');

    await logIn(page);
    await expect(page.getByTestId('current-user')).toHaveText('Demo Admin');
    for (const view of ['all', 'unread', 'response_needed', 'customer_care', 'failed', 'spam']) {
      await expect(page.getByTestId(`count-${view}`)).toHaveText(/^\d+$/);
    }
    await shot('01-inbox-after-login');
  });

  test('keeps the session across a reload and returns to the login page after logging out', async ({ inbox: page }) => {
    await page.reload();
    await expect(page.getByTestId('view-all')).toBeVisible();
    await page.getByRole('button', { name: 'Log out' }).click();
    await expect(page).toHaveURL(/\/login/);
  });
});
