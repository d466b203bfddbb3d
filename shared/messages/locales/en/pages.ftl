# The pages of the forgot-password flow. Every message here exists in every
# language (shared/edges/tests/suite/texts.rs checks it); `$service` is the
# service's name, `$seconds` a number of seconds.

language-name = English
language-switch = Language

forgot-title = Forgot password
forgot-label = { $edition ->
    [on_premise] Login or email
   *[cloud] Login, email or phone
}
forgot-login-link = Forgot your login?
forgot-back-to-sign-in = Back to sign in

remind-title = Forgot your login
remind-label = { $edition ->
    [on_premise] Email address
   *[cloud] Email address or phone number
}
remind-hint = We send the login of the account with this address there, and how it signs in. Give a phone number with its country code, such as +49 151 12345678.
remind-submit = Send my login
remind-sent-title = { $channel ->
    [sms] Check your phone
   *[email] Check your email
}
remind-sent-text = { $channel ->
    [sms] If an account has this phone number, we have sent it a text message with its login.
   *[email] If an account has this email address, we have sent it an email with its login and how it signs in.
}
remind-back = Back to “Forgot password”
error-invalid-contact = Enter an email address, or a phone number with its country code.
forgot-submit = { $edition ->
    [on_premise] Reset password
   *[cloud] Continue
}

check-email-title = Check your email
check-email-sent = If an account matches what you entered, we have sent it an email with instructions to reset the password. The link in it expires soon, so use it now. No email after a minute? Check your spam folder, then ask again: for a minute after an email we send no other, so the link you have keeps working.
check-email-nothing = Nothing there? Look in your spam folder, or
check-email-try-again = try again

code-title = Enter the code
code-sent = If an account has the number { $phone }, we have sent it a text message with a 6-digit code. The code is valid for { $seconds ->
    [one] one second
   *[other] { $seconds } seconds
}.
code-label = Code
code-submit = Continue
code-not-received = Code expired or not received?
code-send-new = Send a new code
code-time-left = Time left:
code-seconds-unit = s
code-expired = The code has expired. Send a new code to get another.

reset-title = { $edition ->
    [on_premise] Change password
   *[cloud] Enter a new password
}
reset-check-string = Check string
reset-check-string-hint = Filled in automatically. Do not change it.
reset-login = Login
reset-new-password = New password
reset-new-password-hint = At least { $min } characters. A few unrelated words make a strong password.
reset-confirm = Confirm new password
reset-submit = { $edition ->
    [on_premise] Change password
   *[cloud] Continue
}

done-title = Password changed
done-text = Your password has been changed. Log in with your new password.
done-log-in = Log in

support-code = If that does not help either, contact support:
support-link = Still stuck? Contact support:
support-locked = Contact support:

lock-title = Lock your account?
lock-text = The password of the account “{ $login }” was changed. If it was not you, lock the account now.
lock-what = Once it is locked, nobody can sign in to it or reset its password, and the new password stops working for good. Your administrator unlocks it, and you then choose a new password.
lock-submit = Lock my account
lock-was-me = If you changed the password yourself, close this page: nothing changes.
locked-title = Your account is locked
locked-text = Nobody can sign in to it or reset its password now, and the password that was set no longer works.
locked-next = What happens next: your administrator checks what happened and unlocks the account. You then get a link to choose a new password.
lock-invalid = This link no longer locks the account: it is not a valid link, it has expired, or the password has changed again since. If someone else still uses your account, contact support.

message-new-link = Request a new link
title-invalid-token = This link no longer works
title-unavailable = Please try again
title-rate-limited = Too many requests
title-too-many-attempts = This code no longer works
title-bad-request = Something is wrong with the request

error-invalid-token = This password reset link is invalid, has expired or was already used. Request a new one.
error-unavailable = The service is temporarily unavailable. Please try again in a minute.
error-sms-unavailable = We cannot send text messages right now. Enter your login or email address instead, and we will email you a link.
error-rate-limited = Too many requests. Try again in { $wait }.
error-invalid-code = That code is wrong or has expired. Check it, or request a new code.
error-too-many-attempts = Too many wrong codes: this code no longer works. Please request a new code.
error-password-mismatch = The new password and its confirmation do not match.
error-weak-password = Choose a different password.
error-bad-request = Check what you entered and try again.


error-invalid-login = Check your login, email address or phone number.
error-invalid-phone = That is not a phone number a text message can reach. Give it with its country code, such as +49 151 12345678.
error-missing-field = Fill in every field.

policy-too-short = Use at least { $min } characters.
policy-too-long = Use at most { $max } characters.
policy-matches-login = Do not use your login as your password.
policy-matches-email = Do not use your email address as your password.
policy-common-password = This password is too common; choose one that is hard to guess.

duration-minutes = { $minutes ->
    [one] one minute
   *[other] { $minutes } minutes
}
duration-seconds = { $seconds ->
    [one] one second
   *[other] { $seconds } seconds
}
duration-hours = { $hours ->
    [one] one hour
   *[other] { $hours } hours
}
duration-days = { $days ->
    [one] one day
   *[other] { $days } days
}

challenge-title = One moment
challenge-intro = Many requests are arriving right now. Before we send anything, your browser solves a small puzzle, which is cheap for a person and costly for a bot.
challenge-wait = Without JavaScript, wait { $wait }, then press Continue.
challenge-working = Solving the puzzle…
challenge-done = Done. Press Continue.
challenge-continue = Continue
