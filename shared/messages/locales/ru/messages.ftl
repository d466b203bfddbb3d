# Письма и SMS (см. en/messages.ftl).

## Дата: «3 декабря 2026 г., 07:45 UTC» (месяц в родительном падеже).
date-time = { $day } { $month } { $year } г., { $time } UTC
month-1 = января
month-2 = февраля
month-3 = марта
month-4 = апреля
month-5 = мая
month-6 = июня
month-7 = июля
month-8 = августа
month-9 = сентября
month-10 = октября
month-11 = ноября
month-12 = декабря

mail-login = Логин
mail-sign-in-address = Адрес для входа
mail-signs-in-with = Вход через
mail-password = пароль
mail-link-once = Ссылка действует один раз, срок её действия истекает через { $lifetime }.
mail-link-copy = Если кнопка не работает, скопируйте этот адрес в браузер:
mail-ignore = Если вы этого не запрашивали, просто проигнорируйте это письмо: ваш пароль останется прежним.

reset-link-subject = Сброс пароля { $service }
reset-link-title = Сброс пароля
reset-link-text = Кто-то запросил сброс пароля учётной записи «{ $login }». Если это были вы, задайте новый пароль:
reset-link-action = Сменить пароль

provider-subject = О сбросе пароля { $service }
provider-title = Вы входите через { $provider }
provider-text = Кто-то запросил сброс пароля учётной записи «{ $login }». У этой учётной записи нет собственного пароля: вход выполняется через { $provider }.
provider-how = Чтобы восстановить доступ, сбросьте пароль в { $provider }, а затем снова войдите через { $provider }.
provider-ignore = Если вы этого не запрашивали, проигнорируйте это письмо.

changed-subject = Пароль { $service } изменён
changed-title = Ваш пароль изменён
changed-text = { $by ->
    [admin] Пароль учётной записи «{ $login }» изменён администратором { $when }.
   *[self] Пароль учётной записи «{ $login }» изменён { $when }.
}
changed-fine = Если это были вы, больше ничего делать не нужно.
changed-not-you = Если это были не вы, немедленно заблокируйте учётную запись: тогда никто не сможет войти в неё или сбросить пароль, пока администратор её не разблокирует.
changed-not-me-action = Это был не я
changed-contact = Если это были не вы, немедленно сбросьте пароль и обратитесь к администратору.

admin-link-subject = Восстановление пароля { $service }
admin-link-title = Восстановление пароля
admin-link-text = Администратор отправил вам ссылку для восстановления пароля вашей учётной записи.
admin-link-action = Сменить пароль
invitation-subject = Ваша учётная запись { $service }
invitation-title = Добро пожаловать
invitation-text = Администратор создал для вас учётную запись. Ваши регистрационные данные:
invitation-action = Задать пароль

reminder-subject = Ваш логин { $service }
reminder-title = Ваш логин
reminder-text = Кто-то спросил, какой логин связан с этим адресом. Вот эта учётная запись:
reminder-action = Войти
reminder-ignore = Если вы этого не запрашивали, проигнорируйте это письмо: ничего не изменилось.

sms-code = { $code } — код восстановления пароля { $service }. Действует { $seconds ->
    [one] { $seconds } секунду
    [few] { $seconds } секунды
   *[other] { $seconds } секунд
}. Никому его не сообщайте: { $service } его не спрашивает.
sms-provider = Ваша учётная запись { $service } входит через { $provider } и не имеет собственного пароля. Сбросьте пароль в { $provider }.
sms-changed = { $by ->
    [admin] Пароль вашей учётной записи { $login } в { $service } изменён администратором.
   *[self] Пароль вашей учётной записи { $login } в { $service } изменён.
} Если вы этого не ожидали, обратитесь к администратору.
sms-changed-not-me = { $by ->
    [admin] Пароль вашей учётной записи { $login } в { $service } изменён администратором.
   *[self] Пароль вашей учётной записи { $login } в { $service } изменён.
} Не вы? Заблокируйте: { $link }
sms-admin-link = Восстановление пароля { $service }. Логин: { $login }. Вход: { $login_url }. Сменить пароль: { $link } (действует { $lifetime })
sms-invitation = У вас есть учётная запись { $service }. Логин: { $login }. Вход: { $login_url }. Задать пароль: { $link } (действует { $lifetime })
sms-reminder = Ваш логин { $service }: { $login }. Вход: { $login_url }.
sms-reminder-provider = Ваш логин { $service }: { $login }. Вход через { $provider }.
