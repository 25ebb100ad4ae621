CREATE TABLE public.profiles (
    id         uuid PRIMARY KEY REFERENCES auth.users (id) ON DELETE CASCADE,
    username   text NOT NULL UNIQUE CHECK (char_length(username) >= 3),
    full_name  text,
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION public.handle_new_user() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
    INSERT INTO public.profiles (id, username)
    VALUES (NEW.id, 'user_' || substr(NEW.id::text, 1, 8));
    RETURN NEW;
END $$;

CREATE TRIGGER on_auth_user_created AFTER INSERT ON auth.users
    FOR EACH ROW EXECUTE FUNCTION public.handle_new_user();
