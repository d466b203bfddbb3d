# The emails and text messages. Every message here exists in every language
# (shared/edges/tests/suite/texts.rs checks it). `$service` is the service's name,
# `$login` the account's login, `$lifetime` a duration such as "one hour".

## Dates: "December 3, 2026 at 07:45 UTC".
date-time = { $month } { $day }, { $year } at { $time } UTC
month-1 = January
month-2 = February
month-3 = March
month-4 = April
month-5 = May
month-6 = June
month-7 = July
month-8 = August
month-9 = September
month-10 = October
month-11 = November
month-12 = December

## What every email shares.
mail-login = Login
mail-sign-in-address = Sign-in address
mail-signs-in-with = Signs in with
mail-password = a password
mail-link-once = The link works once and expires in { $lifetime }.
mail-link-copy = If the button does not work, copy this address into your browser:
mail-ignore = If you did not ask for this, ignore this email: your password stays as it is.

## The reset link.
reset-link-subject = Reset your { $service } password
reset-link-title = Reset your password
reset-link-text = Someone asked to reset the password of the account “{ $login }”. If it was you, choose a new password:
reset-link-action = Change password

## To an account that signs in through another provider.
provider-subject = About resetting your { $service } password
provider-title = You sign in with { $provider }
provider-text = Someone asked to reset the password of the account “{ $login }”. This account has no password of its own: it signs in through { $provider }.
provider-how = To recover access, reset your password with { $provider }, then sign in with { $provider } again.
provider-ignore = If you did not ask for this, ignore this email.

## The notice that a password changed.
changed-subject = Your { $service } password was changed
changed-title = Your password was changed
changed-text = { $by ->
    [admin] The password of the account “{ $login }” was changed by an administrator on { $when }.
   *[self] The password of the account “{ $login }” was changed on { $when }.
}
changed-fine = If this was you, there is nothing else to do.
changed-not-you = If it was not you, lock your account at once: nobody can then sign in to it or reset its password until your administrator unlocks it.
changed-not-me-action = This was not me
changed-contact = If it was not you, reset your password at once and contact your administrator.

## An administrator's recovery link, and the invitation to a new account.
admin-link-subject = Recover your { $service } password
admin-link-title = Recover your password
admin-link-text = Your administrator sent you a link to recover the password of your account.
admin-link-action = Change password
invitation-subject = Your { $service } account
invitation-title = Welcome
invitation-text = An administrator created an account for you. Your registration details:
invitation-action = Set your password

## "Forgot your login?"
reminder-subject = Your { $service } login
reminder-title = Your login
reminder-text = Someone asked which login belongs to this address. This is the account:
reminder-action = Sign in
reminder-ignore = If you did not ask for this, ignore this email: nothing has changed.

## Text messages: short, and each names the service.
sms-code = { $code } is your { $service } password recovery code. It expires in { $seconds ->
    [one] one second
   *[other] { $seconds } seconds
}. Do not share it: { $service } never asks you for it.
sms-provider = Your { $service } account signs in with { $provider } and has no password of its own. Reset your password with { $provider }.
sms-changed = { $by ->
    [admin] The password of your { $service } account { $login } was changed by an administrator.
   *[self] The password of your { $service } account { $login } was changed.
} If you did not expect this, contact your administrator.
sms-changed-not-me = { $by ->
    [admin] The password of your { $service } account { $login } was changed by an administrator.
   *[self] The password of your { $service } account { $login } was changed.
} Not you? Lock the account: { $link }
sms-admin-link = { $service } password recovery. Login: { $login }. Sign in at { $login_url }. Change your password: { $link } (expires in { $lifetime })
sms-invitation = You have a { $service } account. Login: { $login }. Sign in at { $login_url }. Set your password: { $link } (expires in { $lifetime })
sms-reminder = Your { $service } login is { $login }. Sign in at { $login_url }.
sms-reminder-provider = Your { $service } login is { $login }. It signs in with { $provider }.
