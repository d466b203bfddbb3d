# E-Mails und SMS (siehe en/messages.ftl).

## Datum: „3. Dezember 2026 um 07:45 UTC“.
date-time = { $day }. { $month } { $year } um { $time } UTC
month-1 = Januar
month-2 = Februar
month-3 = März
month-4 = April
month-5 = Mai
month-6 = Juni
month-7 = Juli
month-8 = August
month-9 = September
month-10 = Oktober
month-11 = November
month-12 = Dezember

mail-login = Login
mail-sign-in-address = Anmeldeadresse
mail-signs-in-with = Anmeldung mit
mail-password = Passwort
mail-link-once = Der Link funktioniert einmal und läuft in { $lifetime } ab.
mail-link-copy = Falls die Schaltfläche nicht funktioniert, kopieren Sie diese Adresse in Ihren Browser:
mail-ignore = Wenn Sie das nicht angefordert haben, ignorieren Sie diese E-Mail: Ihr Passwort bleibt, wie es ist.

reset-link-subject = Ihr Passwort für { $service } zurücksetzen
reset-link-title = Passwort zurücksetzen
reset-link-text = Jemand hat angefordert, das Passwort des Kontos „{ $login }“ zurückzusetzen. Wenn Sie das waren, wählen Sie ein neues Passwort:
reset-link-action = Passwort ändern

provider-subject = Zum Zurücksetzen Ihres Passworts für { $service }
provider-title = Sie melden sich mit { $provider } an
provider-text = Jemand hat angefordert, das Passwort des Kontos „{ $login }“ zurückzusetzen. Dieses Konto hat kein eigenes Passwort: Es meldet sich über { $provider } an.
provider-how = Um wieder Zugang zu bekommen, setzen Sie Ihr Passwort bei { $provider } zurück und melden Sie sich dann wieder mit { $provider } an.
provider-ignore = Wenn Sie das nicht angefordert haben, ignorieren Sie diese E-Mail.

changed-subject = Ihr Passwort für { $service } wurde geändert
changed-title = Ihr Passwort wurde geändert
changed-text = { $by ->
    [admin] Das Passwort des Kontos „{ $login }“ wurde am { $when } von einem Administrator geändert.
   *[self] Das Passwort des Kontos „{ $login }“ wurde am { $when } geändert.
}
changed-fine = Wenn Sie das waren, ist nichts weiter zu tun.
changed-not-you = Wenn Sie es nicht waren, sperren Sie Ihr Konto sofort: Dann kann sich niemand mehr anmelden oder das Passwort zurücksetzen, bis Ihre Administration es entsperrt.
changed-not-me-action = Das war ich nicht
changed-contact = Wenn Sie es nicht waren, setzen Sie Ihr Passwort sofort zurück und wenden Sie sich an Ihre Administration.

admin-link-subject = Ihr Passwort für { $service } wiederherstellen
admin-link-title = Passwort wiederherstellen
admin-link-text = Ihre Administration hat Ihnen einen Link geschickt, mit dem Sie das Passwort Ihres Kontos wiederherstellen können.
admin-link-action = Passwort ändern
invitation-subject = Ihr Konto bei { $service }
invitation-title = Willkommen
invitation-text = Eine Administratorin oder ein Administrator hat ein Konto für Sie angelegt. Ihre Zugangsdaten:
invitation-action = Passwort festlegen

reminder-subject = Ihr Login für { $service }
reminder-title = Ihr Login
reminder-text = Jemand hat gefragt, welches Login zu dieser Adresse gehört. Das ist das Konto:
reminder-action = Anmelden
reminder-ignore = Wenn Sie das nicht angefordert haben, ignorieren Sie diese E-Mail: Es hat sich nichts geändert.

sms-code = { $code } ist Ihr Code zum Zurücksetzen des Passworts für { $service }. Er läuft in { $seconds ->
    [one] einer Sekunde
   *[other] { $seconds } Sekunden
} ab. Geben Sie ihn nicht weiter: { $service } fragt Sie nie danach.
sms-provider = Ihr Konto bei { $service } meldet sich mit { $provider } an und hat kein eigenes Passwort. Setzen Sie Ihr Passwort bei { $provider } zurück.
sms-changed = { $by ->
    [admin] Das Passwort Ihres Kontos { $login } bei { $service } wurde von einem Administrator geändert.
   *[self] Das Passwort Ihres Kontos { $login } bei { $service } wurde geändert.
} Wenn Sie das nicht erwartet haben, wenden Sie sich an Ihre Administration.
sms-changed-not-me = { $by ->
    [admin] Das Passwort Ihres Kontos { $login } bei { $service } wurde von einem Administrator geändert.
   *[self] Das Passwort Ihres Kontos { $login } bei { $service } wurde geändert.
} Nicht Sie? Konto sperren: { $link }
sms-admin-link = Passwort-Wiederherstellung für { $service }. Login: { $login }. Anmeldung unter { $login_url }. Passwort ändern: { $link } (läuft in { $lifetime } ab)
sms-invitation = Sie haben ein Konto bei { $service }. Login: { $login }. Anmeldung unter { $login_url }. Passwort festlegen: { $link } (läuft in { $lifetime } ab)
sms-reminder = Ihr Login für { $service } ist { $login }. Anmeldung unter { $login_url }.
sms-reminder-provider = Ihr Login für { $service } ist { $login }. Sie melden sich mit { $provider } an.
